/** `webtensor yuma`: not built yet (see the project's open issues). */
export async function run(_argv: string[]): Promise<number> {
  console.error('webtensor yuma: not available yet in this version')
  return 2
}
