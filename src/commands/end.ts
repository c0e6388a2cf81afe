import { defineCommand } from "citty";
import { ConnectError, portIsOpen, sendCommand } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { waitForExit } from "../session/launcher.ts";
import { findSession, portArg, resolvePort, runAndExit } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "end",
    alias: ["stop"],
    description: "Stop the agent and the session daemon; the port is free when it returns",
  },
  args: { ...portArg },
  run: ({ args }) =>
    runAndExit(async () => {
      const port = resolvePort(args.port);
      const state = await findSession(port);
      const done = await sendCommand({ port, token: state.token, command: { cmd: "end" } }).catch((error) => {
        // The daemon may exit the instant it has answered; only a daemon still alive is a failure.
        if (error instanceof ConnectError && error.kind === "dropped") return undefined;
        throw error;
      });
      if (done && !done.ok) throw new UserError(done.error ?? "the session refused to end");
      if (!(await waitForExit(state.daemonPid, 5000))) {
        throw new UserError(`the session daemon (pid ${state.daemonPid}) did not exit`, 1, [
          `daemon log: ${state.daemonLog}`,
        ]);
      }
      if (await portIsOpen(port)) {
        throw new UserError(`the session ended, but 127.0.0.1:${port} is still taken by another program`);
      }
      process.stdout.write("Session ended.\n");
      return 0;
    }),
});
