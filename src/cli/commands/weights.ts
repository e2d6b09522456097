/** `webtensor weights`: not built yet (see the project's open issues). */
export async function run(_argv: string[]): Promise<number> {
  console.error('webtensor weights: not available yet in this version')
  return 2
}
