// A square drawing pad: Pointer Events (mouse, touch, pen), smooth round strokes of an
// MNIST-like width, redrawn crisply when the pad is resized.
//
// Strokes are kept in pad coordinates (0..1 on both axes), so the picture survives
// resizing and device-pixel-ratio changes. Ink goes on a transparent canvas, so its
// alpha channel is the drawing (what the model reads); the paper colour is CSS.

/** Pen width as a fraction of the pad's side (MNIST: strokes ~1/10–1/14 of the field). */
export const PEN_WIDTH = 1 / 12;
/** Backing-store resolution cap (device pixels per CSS pixel): finer adds nothing but bytes. */
const MAX_PIXEL_RATIO = 2;
const INK = "#16181d";

/** How long play() takes to draw a digit, in ms (when motion is welcome). */
const PLAY_MS = 700;

const midpoint = (p, q) => ({ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 });
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export class DrawingPad {
  #canvas;
  #ctx;
  #strokes = []; // arrays of {x, y} in 0..1
  #current = null;
  #pointerId = null;
  #version = 0;
  #listeners;
  #plays = 0; // play() calls and interruptions: a playback stops when this moves on
  #playing = false;

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onDraw?: () => void, onRelease?: () => void, onClear?: () => void}} listeners
   *   onDraw while a stroke grows, onRelease when it ends, onClear after clear().
   */
  constructor(canvas, listeners = {}) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.#listeners = listeners;
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (e) => this.#up(e));
    }
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
    this.#updateEmpty();
  }

  /** True when nothing has been drawn since the last clear. */
  get empty() {
    return this.#strokes.length === 0;
  }

  /** Changes whenever the pixels do (a stroke grows, a clear, a resize). */
  get version() {
    return this.#version;
  }

  /** True while a pointer (or play()) is drawing. */
  get drawing() {
    return this.#current !== null || this.#playing;
  }

  /**
   * Draws `strokes` (arrays of [x, y] in pad units, as www/examples.json holds them) in
   * place of what is on the pad, as a pen would: point by point over PLAY_MS, or all at
   * once when `animate` is false, with the same onDraw calls as a pointer and one onRelease
   * at the end, so the drawing goes through the same pixels → preprocessing path. A clear,
   * a pointer or another play() interrupts it; resolves with whether it finished.
   */
  async play(strokes, { animate = true } = {}) {
    const play = ++this.#plays;
    this.#strokes = [];
    this.#current = null;
    this.#pointerId = null;
    this.#playing = true;
    this.#redraw();
    const total = strokes.reduce((n, stroke) => n + stroke.length, 0);
    const perFrame = animate ? Math.max(1, Math.ceil(total / (PLAY_MS / 16.7))) : Infinity;
    let budget = perFrame;
    for (const points of strokes) {
      const stroke = [];
      this.#strokes.push(stroke);
      this.#current = stroke;
      for (const [x, y] of points) {
        if (budget === 0) {
          this.#listeners.onDraw?.();
          await nextFrame();
          if (play !== this.#plays) return false;
          budget = perFrame;
        }
        stroke.push({ x, y });
        if (stroke.length === 1) this.#dot(stroke[0]);
        else this.#segment(stroke, stroke.length - 1);
        budget--;
      }
      this.#current = null;
      this.#tail(stroke);
      this.#updateEmpty();
    }
    this.#playing = false;
    this.#updateEmpty();
    this.#listeners.onDraw?.();
    this.#listeners.onRelease?.();
    return true;
  }

  clear() {
    this.#stopPlaying();
    this.#strokes = [];
    this.#current = null;
    this.#pointerId = null;
    this.#redraw();
    this.#updateEmpty();
    this.#listeners.onClear?.();
  }

  /** The pad's RGBA pixels (square, side × side × 4 bytes), a fresh buffer to transfer. */
  pixels() {
    const side = this.#canvas.width;
    return this.#ctx.getImageData(0, 0, side, side).data;
  }

  #point(e) {
    const rect = this.#canvas.getBoundingClientRect();
    return { x: (e.clientX - rect.left) / rect.width, y: (e.clientY - rect.top) / rect.height };
  }

  #stopPlaying() {
    this.#plays++;
    this.#playing = false;
    this.#current = null;
  }

  #down(e) {
    if (this.#pointerId !== null) return; // one stroke at a time (a second finger is ignored)
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    if (this.#playing) {
      // The person takes over: the strokes drawn so far stay.
      const last = this.#strokes.at(-1);
      this.#stopPlaying();
      if (last?.length > 1) this.#tail(last);
    }
    this.#canvas.setPointerCapture(e.pointerId);
    this.#pointerId = e.pointerId;
    this.#current = [this.#point(e)];
    this.#strokes.push(this.#current);
    this.#dot(this.#current[0]);
    this.#updateEmpty();
    this.#listeners.onDraw?.();
  }

  #move(e) {
    if (e.pointerId !== this.#pointerId || !this.#current) return;
    e.preventDefault();
    const events = e.getCoalescedEvents?.() ?? [];
    for (const event of events.length > 0 ? events : [e]) {
      this.#current.push(this.#point(event));
      this.#segment(this.#current, this.#current.length - 1);
    }
    this.#listeners.onDraw?.();
  }

  #up(e) {
    if (e.pointerId !== this.#pointerId) return;
    const stroke = this.#current;
    this.#pointerId = null;
    this.#current = null;
    if (stroke) {
      this.#tail(stroke);
      this.#listeners.onRelease?.();
    }
  }

  #resize() {
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
    const side = Math.max(1, Math.round(this.#canvas.clientWidth * ratio));
    if (side === this.#canvas.width && side === this.#canvas.height) return;
    this.#canvas.width = side;
    this.#canvas.height = side;
    this.#redraw();
  }

  #updateEmpty() {
    this.#canvas.closest("[data-pad]")?.toggleAttribute("data-empty", this.empty);
  }

  // ---- Rendering: quadratic curves through the midpoints of successive points ----

  #pen() {
    this.#version++; // every drawing call below changes pixels
    const ctx = this.#ctx;
    const side = this.#canvas.width;
    ctx.lineWidth = PEN_WIDTH * side;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    return { ctx, side };
  }

  #dot(p) {
    const { ctx, side } = this.#pen();
    ctx.beginPath();
    ctx.arc(p.x * side, p.y * side, (PEN_WIDTH * side) / 2, 0, 2 * Math.PI);
    ctx.fill();
  }

  /** Draws the piece of `stroke` that point `i` completes (from the previous midpoint). */
  #segment(stroke, i) {
    if (i < 1) return;
    const { ctx, side } = this.#pen();
    const from = i === 1 ? stroke[0] : midpoint(stroke[i - 2], stroke[i - 1]);
    const to = midpoint(stroke[i - 1], stroke[i]);
    ctx.beginPath();
    ctx.moveTo(from.x * side, from.y * side);
    ctx.quadraticCurveTo(stroke[i - 1].x * side, stroke[i - 1].y * side, to.x * side, to.y * side);
    ctx.stroke();
  }

  /** Draws the last half-segment, from the last midpoint to the stroke's end. */
  #tail(stroke) {
    const n = stroke.length;
    if (n < 2) return;
    const { ctx, side } = this.#pen();
    const from = midpoint(stroke[n - 2], stroke[n - 1]);
    ctx.beginPath();
    ctx.moveTo(from.x * side, from.y * side);
    ctx.lineTo(stroke[n - 1].x * side, stroke[n - 1].y * side);
    ctx.stroke();
  }

  #redraw() {
    this.#version++;
    this.#ctx.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    for (const stroke of this.#strokes) {
      this.#dot(stroke[0]);
      for (let i = 1; i < stroke.length; i++) this.#segment(stroke, i);
      if (stroke !== this.#current) this.#tail(stroke);
    }
  }
}
