// Hand-drawn-like digits as pen strokes: arrays of polylines in pad coordinates
// (0..1 on both axes, y down), about 60 % of the pad tall like a person would draw.

const TAU = 2 * Math.PI;

/** Points of a circular arc around (cx, cy), angles in turns (0 = right, 0.25 = down). */
function arc(cx, cy, rx, ry, from, to, n = 24) {
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = (from + ((to - from) * i) / n) * TAU;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}

export const DIGITS = {
  1: [[[0.53, 0.2], [0.51, 0.5], [0.49, 0.8]]],
  7: [[[0.3, 0.22], [0.71, 0.22], [0.6, 0.42], [0.47, 0.8]]],
  // Two bowls open to the left, the lower one larger.
  3: [[...arc(0.48, 0.34, 0.15, 0.13, -0.42, 0.25), ...arc(0.48, 0.63, 0.18, 0.17, -0.25, 0.4).slice(1)]],
  // A vertical figure eight, one stroke: x = w sin 2t, y = -h cos t.
  8: [
    Array.from({ length: 73 }, (_, i) => {
      const t = (i / 72) * TAU;
      return [0.5 + 0.17 * Math.sin(2 * t), 0.5 - 0.3 * Math.cos(t)];
    }),
  ],
};
