// Preloaded (node --import ./loopback.mjs) into server-everything, which
// listens on every interface and has no setting for that: a test peer has
// no business being reachable from outside this machine, so a listen on a
// bare port is bound to 127.0.0.1 instead.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const port = args[0];
  const bare = (typeof port === "number" || (typeof port === "string" && /^\d+$/.test(port))) && typeof args[1] !== "string";
  if (bare) args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args);
};
