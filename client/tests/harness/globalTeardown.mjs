export default async function globalTeardown() {
  await globalThis.__museLiveKit?.stop();
}
