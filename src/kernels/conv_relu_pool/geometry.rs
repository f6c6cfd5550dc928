//! The sizes of one application of the layer ([`Geometry`]), checked against candle's
//! layouts, and what both algorithms share: the kernel's size and a blocked transpose.

use candle_core::{Layout, Shape};

/// Side of the convolution kernel.
pub(super) const KERNEL: usize = 3;
/// Taps of one kernel plane.
pub(super) const TAPS: usize = KERNEL * KERNEL;

/// The sizes of one application of the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Geometry {
    pub(super) images: usize,
    pub(super) channels: usize,
    pub(super) height: usize,
    pub(super) width: usize,
    pub(super) outputs: usize,
}

impl Geometry {
    pub(super) fn of(x: &Layout, w: &Layout, b: &Layout) -> candle_core::Result<Self> {
        let (images, channels, height, width) = x.shape().dims4()?;
        let (outputs, w_channels, kh, kw) = w.shape().dims4()?;
        let bias = b.shape().dims1()?;
        if w_channels != channels || kh != KERNEL || kw != KERNEL || bias != outputs {
            candle_core::bail!(
                "conv3x3_relu_pool: weight {:?} and bias {:?} do not fit input {:?}",
                w.shape(),
                b.shape(),
                x.shape()
            );
        }
        if height < KERNEL || width < KERNEL || (height - 2) % 2 != 0 || (width - 2) % 2 != 0 {
            candle_core::bail!(
                "conv3x3_relu_pool: input {height}×{width} must leave an even conv output of at least 2×2"
            );
        }
        Ok(Self {
            images,
            channels,
            height,
            width,
            outputs,
        })
    }

    pub(super) fn conv_h(&self) -> usize {
        self.height - 2
    }
    pub(super) fn conv_w(&self) -> usize {
        self.width - 2
    }
    /// Conv output positions over all images: the rows of the patch matrix.
    pub(super) fn positions(&self) -> usize {
        self.images * self.conv_h() * self.conv_w()
    }
    /// Values in one patch: the columns of the patch matrix.
    pub(super) fn patch(&self) -> usize {
        self.channels * TAPS
    }
    pub(super) fn pooled_h(&self) -> usize {
        self.conv_h() / 2
    }
    pub(super) fn pooled_w(&self) -> usize {
        self.conv_w() / 2
    }
    pub(super) fn output_shape(&self) -> Shape {
        Shape::from((self.images, self.outputs, self.pooled_h(), self.pooled_w()))
    }

    /// The same layer on `images` of the images (a chunk).
    pub(super) fn with_images(&self, images: usize) -> Self {
        Self { images, ..*self }
    }

    /// Values of one input image, of one pooled output image, rows of `P` per image.
    pub(super) fn input_len(&self) -> usize {
        self.channels * self.height * self.width
    }
    pub(super) fn output_len(&self) -> usize {
        self.outputs * self.pooled_h() * self.pooled_w()
    }
    pub(super) fn rows_per_image(&self) -> usize {
        self.conv_h() * self.conv_w()
    }
}

/// `dst (cols × rows) = srcᵀ` for a row-major `rows × cols` `src`, in 4×4 blocks (whole
/// vectors in and out) when both sides are multiples of 4.
pub(super) fn transpose_into(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    const B: usize = 4;
    if !rows.is_multiple_of(B) || !cols.is_multiple_of(B) {
        for (c, out) in dst.chunks_exact_mut(rows).take(cols).enumerate() {
            for (r, v) in out.iter_mut().enumerate() {
                *v = src[r * cols + c];
            }
        }
        return;
    }
    for c0 in (0..cols).step_by(B) {
        let out = &mut dst[c0 * rows..(c0 + B) * rows];
        for r0 in (0..rows).step_by(B) {
            let block: [&[f32; B]; B] =
                std::array::from_fn(|i| fixed::<B>(src, (r0 + i) * cols + c0));
            let mut out_rows = out.chunks_exact_mut(rows);
            let out_block: [&mut [f32; B]; B] = std::array::from_fn(|_| {
                let row = out_rows.next().expect("B rows");
                (&mut row[r0..r0 + B]).try_into().expect("B values")
            });
            transpose_4x4(block, out_block);
        }
    }
}

/// `out[j][i] = block[i][j]`: eight lane shuffles in wasm32's SIMD (element by element,
/// LLVM moves single lanes in and out of vectors).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn transpose_4x4(block: [&[f32; 4]; 4], out: [&mut [f32; 4]; 4]) {
    use core::arch::wasm32::{i32x4_shuffle, v128, v128_load, v128_store};
    // SAFETY: each row is 4 f32 (one v128); v128 accesses need no alignment.
    let [r0, r1, r2, r3] = block.map(|row| unsafe { v128_load(row.as_ptr().cast::<v128>()) });
    let (a, b) = (
        i32x4_shuffle::<0, 4, 1, 5>(r0, r1),
        i32x4_shuffle::<2, 6, 3, 7>(r0, r1),
    );
    let (c, d) = (
        i32x4_shuffle::<0, 4, 1, 5>(r2, r3),
        i32x4_shuffle::<2, 6, 3, 7>(r2, r3),
    );
    let columns = [
        i32x4_shuffle::<0, 1, 4, 5>(a, c),
        i32x4_shuffle::<2, 3, 6, 7>(a, c),
        i32x4_shuffle::<0, 1, 4, 5>(b, d),
        i32x4_shuffle::<2, 3, 6, 7>(b, d),
    ];
    for (row, column) in out.into_iter().zip(columns) {
        // SAFETY: as above.
        unsafe { v128_store(row.as_mut_ptr().cast::<v128>(), column) };
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn transpose_4x4(block: [&[f32; 4]; 4], out: [&mut [f32; 4]; 4]) {
    for (j, row) in out.into_iter().enumerate() {
        *row = std::array::from_fn(|i| block[i][j]);
    }
}

#[inline(always)]
fn fixed<const N: usize>(s: &[f32], at: usize) -> &[f32; N] {
    s[at..at + N].try_into().expect("N values")
}
