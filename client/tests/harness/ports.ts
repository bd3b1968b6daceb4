/** Ports of the livekit-server shared by the browser tests (away from npm start's 7880/7882). */
export const TEST_LIVEKIT = { port: 17880, udpPort: 17882 };
