import { liveKitConfig } from '../lib/livekit';

test('livekit.yaml keeps the SFU on loopback with one UDP port and loopback candidates', () => {
  const c = liveKitConfig() as any;
  expect(c.bind_addresses).toEqual(['127.0.0.1']);
  expect(c.rtc.node_ip).toBe('127.0.0.1');
  expect(c.rtc.use_external_ip).toBe(false);
  expect(c.rtc.enable_loopback_candidate).toBe(true);
  expect(typeof c.rtc.udp_port).toBe('number');
  expect(c.rtc.port_range_start).toBeUndefined();
  expect(c.rtc.tcp_port).toBe(0);
  expect(c.keys).toBeUndefined(); // keys come from the environment, never the file
  expect(c.turn).toMatchObject({ enabled: false });
});

test('options override ports without touching the rest', () => {
  const c = liveKitConfig({ port: 17999, udpPort: 17998, overrides: { turn: { enabled: true } } }) as any;
  expect(c.port).toBe(17999);
  expect(c.rtc.udp_port).toBe(17998);
  expect(c.rtc.enable_loopback_candidate).toBe(true);
  expect(c.turn).toMatchObject({ enabled: true, udp_port: 3478 });
});
