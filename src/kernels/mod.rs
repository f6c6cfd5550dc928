//! Hand-written CPU kernels where candle's generic ops cost the TwinNet most of its
//! time: plain single-threaded Rust that compiles to SIMD on wasm32 and x86-64, wrapped
//! as candle ops with their own backward pass, so the model still trains through
//! candle's autograd and optimisers.
//!
//! - [`gemm`]: the register-tiled matrix product they share.
//! - [`scratch`]: reusable buffers, so a training step does not allocate its large ones.
//! - [`conv_relu_pool`]: `Conv2d(3×3) → ReLU → AvgPool2d(2)` in one op, by im2col or by
//!   Winograd's F(4×4, 3×3) or F(2×2, 3×3), whichever is faster for the layer's shapes.
//! - [`linear`]: `nn.Linear` in one f32 op (keeps candle's all-dtype `matmul` out of the
//!   page's predictor module).

pub mod conv_relu_pool;
pub mod gemm;
pub mod linear;
pub mod scratch;
