// Which build of the wasm module this browser runs. scripts/build-web.sh makes two from the
// same code: pkg/ (SIMD128, runs everywhere WebAssembly SIMD does) and pkg-relaxed/ (also
// relaxed SIMD: the matrix products' multiply-adds fused, `f32x4.relaxed_madd`, where the
// CPU has FMA). An 82-byte module using that one instruction tells whether the engine
// validates relaxed SIMD; only the chosen build is fetched.

const v128Const = [0xfd, 0x0c, ...new Array(16).fill(0)];
const body = [0x00, ...v128Const, ...v128Const, ...v128Const, 0xfd, 0x85, 0x02, 0x0b]; // f32x4.relaxed_madd; end
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, body.length + 2, 0x01, body.length, ...body, // its code
]);

/** True where the engine runs WebAssembly relaxed SIMD. */
export const relaxedSimd = WebAssembly.validate(RELAXED_PROBE);

/** The build's name, as the benchmark reports it. */
export const build = relaxedSimd ? "simd128+relaxed" : "simd128";

/**
 * Imports the wasm-bindgen module of the chosen build (its `default` export initialises it).
 * A function, not a top-level await: a worker must set its message handler before any await,
 * or the messages that arrive meanwhile are lost.
 */
export const importWasm = () => import(relaxedSimd ? "./pkg-relaxed/twinnet.js" : "./pkg/twinnet.js");
