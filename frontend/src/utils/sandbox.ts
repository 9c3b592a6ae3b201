// A sandbox's layers as the UI lists them (the services' tooltip, the system page).

// L0 .. L3 first, in order, then the layers' own checks (landlock, seccomp, ...) by name
function layerOrder(a: string, b: string): number {
  const rank = (name: string) => (/^L\d$/.test(name) ? 0 : 1)
  return rank(a) - rank(b) || a.localeCompare(b)
}

/** A sandbox's layers or probe verdicts as rows, levels first. */
export function layerRows(layers: Record<string, string>): [string, string][] {
  return Object.entries(layers).sort(([a], [b]) => layerOrder(a, b))
}

