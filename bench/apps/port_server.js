// The Node peer of the zero-downtime benchmark: listens on PORT (PM2 cluster
// mode shares it across workers) and closes gracefully on SIGINT, which is
// what `pm2 reload` sends.
const http = require("http");

let closing = false;
const server = http.createServer((request, response) => {
  if (closing) response.setHeader("Connection", "close");
  setTimeout(() => response.end(`node ${process.pid}\n`), 5);
});
server.keepAliveTimeout = 1000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  if (process.send) process.send("ready");
});
const stop = () => {
  closing = true;
  server.close(() => process.exit(0));
  if (server.closeIdleConnections) server.closeIdleConnections();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
