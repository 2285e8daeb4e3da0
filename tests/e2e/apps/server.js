// A Node http server on the socket tend passes as fd 3. On SIGTERM it stops
// accepting, finishes what is in flight, and exits.
const http = require("http");

let closing = false;
const server = http.createServer((request, response) => {
  if (closing) response.setHeader("Connection", "close");
  if (request.url === "/healthz") {
    response.end("ok\n");
    return;
  }
  setTimeout(() => response.end(`node ${process.pid}\n`), 5);
});
server.keepAliveTimeout = 1000;
server.listen({ fd: 3 }, () => console.log(`node: listening on fd 3, pid ${process.pid}`));
process.on("SIGTERM", () => {
  closing = true;
  server.close(() => process.exit(0));
  if (server.closeIdleConnections) server.closeIdleConnections();
});
