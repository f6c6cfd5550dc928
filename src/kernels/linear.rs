//! `nn.Linear`'s `y = x Wᵀ + b` as one candle op on this crate's [`gemm`](super::gemm).
//!
//! Candle's own `matmul` dispatches on the dtype at run time, so a module that calls it
//! carries the `gemm` crate's kernels for f16, bf16, f32 and f64 (about 140 KB of the
//! page's predictor module, which only ever multiplies f32). This op is f32 only; its
//! backward pass (feature `training`) is made of candle ops, so training still runs
//! through candle's autograd.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::gemm::{gemm, Dims, Init, Strided};

/// `x (N, in) · weightᵀ + bias` with `weight (out, in)` and `bias (out)`: PyTorch's
/// `nn.Linear` on a batch of rows.
pub fn linear(x: &Tensor, weight: &Tensor, bias: &Tensor) -> candle_core::Result<Tensor> {
    x.contiguous()?.apply_op3(weight, bias, Linear)
}

#[derive(Debug, Clone, Copy)]
struct Linear;

/// The contiguous f32 values of `storage` under `layout`, or why not.
fn values<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    what: &str,
) -> candle_core::Result<&'a [f32]> {
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg(format!("linear: {what} is not contiguous")))?;
    match storage {
        CpuStorage::F32(values) => Ok(&values[start..end]),
        other => candle_core::bail!("linear: {what} must be f32, got {:?}", other.dtype()),
    }
}

impl CustomOp3 for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (rows, inputs) = l1.shape().dims2()?;
        let (outputs, weight_inputs) = l2.shape().dims2()?;
        let bias_len = l3.shape().dims1()?;
        if weight_inputs != inputs || bias_len != outputs {
            candle_core::bail!(
                "linear: input ({rows}, {inputs}), weight ({outputs}, {weight_inputs}) and \
                 bias ({bias_len}) do not fit together"
            );
        }
        let x = values(s1, l1, "input")?;
        let w = values(s2, l2, "weight")?;
        let b = values(s3, l3, "bias")?;
        // gemm takes B row-major: Wᵀ, (in, out). The layers are small (≤ 128 × 32).
        let mut wt = vec![0f32; inputs * outputs];
        for (o, row) in w.chunks_exact(inputs).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                wt[i * outputs + o] = v;
            }
        }
        let mut y = vec![0f32; rows * outputs];
        let dims = Dims {
            m: rows,
            n: outputs,
            k: inputs,
        };
        gemm(dims, Strided::row_major(x, inputs), &wt, &mut y, Init::Zero);
        for row in y.chunks_exact_mut(outputs) {
            for (v, b) in row.iter_mut().zip(b) {
                *v += b;
            }
        }
        Ok((CpuStorage::F32(y), Shape::from((rows, outputs))))
    }

    // The predictor (built without `training`) never runs a backward pass.
    #[cfg(feature = "training")]
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dx = grad.matmul(w)?;
        let dw = grad.t()?.matmul(x)?;
        let db = grad.sum(0)?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

#[cfg(all(test, feature = "training"))]
mod tests {
    use super::*;
    use crate::rng::{Rng, Stream};
    use candle_core::{Device, Var};

    fn random(rng: &mut Rng, shape: &[usize]) -> candle_core::Result<Var> {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
        Var::from_vec(v, shape, &Device::Cpu)
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .and_then(|d| d.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>())
            .unwrap()
    }

    /// The op and candle's own `x Wᵀ + b` agree on values and on all three gradients.
    #[test]
    fn matches_candles_matmul_and_its_gradients() -> candle_core::Result<()> {
        let mut rng = Rng::for_stream(7, Stream::Init);
        for (rows, inputs, outputs) in [(1, 20, 10), (5, 128, 32), (256, 32, 10), (3, 10, 2)] {
            let x = random(&mut rng, &[rows, inputs])?;
            let w = random(&mut rng, &[outputs, inputs])?;
            let b = random(&mut rng, &[outputs])?;
            let ours = linear(&x, &w, &b)?;
            let theirs = x.matmul(&w.t()?)?.broadcast_add(&b)?;
            assert!(max_diff(&ours, &theirs) < 1e-5, "{rows}×{inputs}→{outputs}");
            // A weighted sum, so every output's gradient differs.
            let weights = random(&mut rng, &[rows, outputs])?;
            let g1 = (&ours * weights.as_tensor())?.sum_all()?.backward()?;
            let g2 = (&theirs * weights.as_tensor())?.sum_all()?.backward()?;
            for v in [&x, &w, &b] {
                let (a, b) = (g1.get(v).unwrap(), g2.get(v).unwrap());
                assert!(max_diff(a, b) < 1e-4, "gradient, {rows}×{inputs}→{outputs}");
            }
        }
        Ok(())
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let cpu = &Device::Cpu;
        let x = Tensor::zeros((2, 3), candle_core::DType::F32, cpu).unwrap();
        let w = Tensor::zeros((4, 5), candle_core::DType::F32, cpu).unwrap();
        let b = Tensor::zeros(4, candle_core::DType::F32, cpu).unwrap();
        let e = linear(&x, &w, &b).unwrap_err().to_string();
        assert!(e.contains("do not fit together"), "{e}");
    }
}
