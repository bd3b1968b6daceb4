// Ports of the livekit-servers the browser tests start (away from npm start's 7880/7882).
// MUSE_TEST_PORT_BASE moves them all, so two checkouts can run their browser tests at once.
const base = Number(process.env.MUSE_TEST_PORT_BASE ?? 17880);

/** The livekit-server shared by all browser tests (globalSetup). */
export const TEST_LIVEKIT = { port: base, udpPort: base + 2 };
/** Spare livekit-servers that single test files start, stop and restart. */
export const spareLiveKit = (n: number) => ({ port: base + 10 * n, udpPort: base + 10 * n + 2 });
