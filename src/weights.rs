//! Weights in safetensors, in memory, with PyTorch's `state_dict` names.
//!
//! The layout is the published `nn.Sequential` one:
//!
//! | name | layer | tensors |
//! |---|---|---|
//! | `subnet.0` | Conv2d(1,16,3) | weight `[16,1,3,3]`, bias `[16]` |
//! | `subnet.3` | Conv2d(16,32,3) | weight `[32,16,3,3]`, bias `[32]` |
//! | `subnet.7` | Linear(128,32) | weight `[32,128]`, bias `[32]` |
//! | `subnet.8` | BatchNorm1d(32) | weight, bias, running_mean, running_var `[32]`, num_batches_tracked `[]` int64 |
//! | `subnet.10` | Linear(32,10) | weight `[10,32]`, bias `[10]` |
//! | `head.1` | Linear(20,10) | weight `[10,20]`, bias `[10]` |
//! | `head.2` | BatchNorm1d(10) | as `subnet.8`, `[10]` |
//! | `head.5` | Linear(10,2) | weight `[2,10]`, bias `[2]` |
//!
//! An unshared model has `subnet1.*` (first image) and `subnet2.*` instead of `subnet.*`.
//! All tensors are float32 except the int64 `num_batches_tracked` scalars.
//! Metadata: `share_weight` and `aux_loss` (`"True"`/`"False"`), `norm_mean` and
//! `norm_std` (input normalisation in [0, 1] intensity units). Such a file loads in
//! PyTorch with `load_state_dict(strict=True)` and vice versa.

use std::collections::{BTreeSet, HashMap};

use candle_core::{DType, Device, Tensor};
use safetensors::{Dtype, SafeTensors};

use crate::model::{
    state_layout, ModelConfig, Normalization, TwinNet, RUNNING_VAR, SEPARATE_SUBNETS, SHARED_SUBNET,
};

/// Largest weights file we accept. A TwinNet is under 100 KB; anything this
/// large is not one, and refusing it early bounds memory on hostile input.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Why weights could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("not a TwinNet weights file: {0}")]
    NotSafetensors(String),
    #[error("weights file is {size} bytes; a TwinNet weights file is under 100 KB (limit {MAX_FILE_BYTES} bytes)")]
    TooLarge { size: usize },
    #[error("weights metadata: {0}")]
    Metadata(String),
    #[error("weights do not fit a {config} TwinNet: {problems}")]
    Layout {
        config: ModelConfig,
        problems: String,
    },
    #[error("weights: {0}")]
    Candle(#[from] candle_core::Error),
}

/// One tensor the model expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
}

/// Every tensor of a model with this configuration, in `state_dict` order.
pub fn expected_layout(config: ModelConfig) -> Vec<Expected> {
    state_layout(config.share)
        .into_iter()
        .map(|(name, shape, dtype)| Expected { name, shape, dtype })
        .collect()
}

fn python_bool(v: bool) -> &'static str {
    if v {
        "True"
    } else {
        "False"
    }
}

/// The model as safetensors bytes, with PyTorch names and our metadata.
pub fn to_safetensors(model: &TwinNet) -> Result<Vec<u8>, WeightsError> {
    let config = model.config();
    let norm = model.normalization();
    let metadata: HashMap<String, String> = [
        ("share_weight", python_bool(config.share).to_string()),
        ("aux_loss", python_bool(config.aux).to_string()),
        ("norm_mean", format!("{:?}", norm.mean as f64)),
        ("norm_std", format!("{:?}", norm.std as f64)),
        ("format", "twinnet".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    serialize(&model.state()?, &metadata)
}

/// safetensors bytes with a deterministic header (keys sorted), so the same
/// model always gives the same file.
fn serialize(
    state: &[(String, Tensor)],
    metadata: &HashMap<String, String>,
) -> Result<Vec<u8>, WeightsError> {
    let mut sorted: Vec<&(String, Tensor)> = state.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut header = serde_json::Map::new();
    header.insert(
        "__metadata__".into(),
        serde_json::to_value(
            metadata
                .iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .map_err(|e| WeightsError::Metadata(e.to_string()))?,
    );
    let mut data = Vec::new();
    for (name, tensor) in sorted {
        let dtype = match tensor.dtype() {
            DType::F32 => "F32",
            DType::I64 => "I64",
            other => {
                return Err(WeightsError::Metadata(format!(
                    "`{name}` has unsupported dtype {other:?}"
                )))
            }
        };
        let start = data.len();
        match tensor.dtype() {
            DType::I64 => {
                for v in tensor.flatten_all()?.to_vec1::<i64>()? {
                    data.extend_from_slice(&v.to_le_bytes());
                }
            }
            _ => {
                for v in tensor.flatten_all()?.to_vec1::<f32>()? {
                    data.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": tensor.dims(), "data_offsets": [start, data.len()]}),
        );
    }
    let mut header = serde_json::to_vec(&serde_json::Value::Object(header))
        .map_err(|e| WeightsError::Metadata(e.to_string()))?;
    // Pad the header with spaces to a multiple of 8 bytes, as safetensors does.
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + data.len());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    Ok(out)
}

fn parse_bool(meta: &HashMap<String, String>, key: &str) -> Result<Option<bool>, WeightsError> {
    match meta.get(key).map(|s| s.trim()) {
        None => Ok(None),
        Some("True" | "true" | "1") => Ok(Some(true)),
        Some("False" | "false" | "0") => Ok(Some(false)),
        Some(other) => Err(WeightsError::Metadata(format!(
            "`{key}` is {other:?}; expected \"True\" or \"False\""
        ))),
    }
}

fn parse_float(meta: &HashMap<String, String>, key: &str) -> Result<f32, WeightsError> {
    let raw = meta.get(key).ok_or_else(|| {
        WeightsError::Metadata(format!(
            "`{key}` is missing: the input normalisation must travel with the weights"
        ))
    })?;
    // Accept "0.13", and numpy/PyTorch reprs such as "tensor(0.13)" or "np.float32(0.13)".
    let inner = raw
        .trim()
        .rsplit('(')
        .next()
        .unwrap_or(raw)
        .trim_end_matches(')')
        .trim();
    inner
        .parse::<f32>()
        .map_err(|_| WeightsError::Metadata(format!("`{key}` is {raw:?}, not a number")))
}

/// Reads a model from safetensors bytes, validating names, shapes, dtypes and metadata.
pub fn from_safetensors(bytes: &[u8]) -> Result<TwinNet, WeightsError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(WeightsError::TooLarge { size: bytes.len() });
    }
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| WeightsError::NotSafetensors(describe_safetensors_error(&e, bytes.len())))?;
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| WeightsError::NotSafetensors(describe_safetensors_error(&e, bytes.len())))?;
    let meta = header.metadata().clone().unwrap_or_default();

    let names: BTreeSet<&str> = st.names().into_iter().collect();
    let first = SEPARATE_SUBNETS[0];
    let has_prefix = |prefix: &str| {
        names.iter().any(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    let inferred_share = if has_prefix(SHARED_SUBNET) {
        Some(true)
    } else if has_prefix(first) {
        Some(false)
    } else {
        None
    };
    let share = match (parse_bool(&meta, "share_weight")?, inferred_share) {
        (Some(s), _) => s,
        (None, Some(s)) => s,
        (None, None) => {
            return Err(WeightsError::Metadata(format!(
            "`share_weight` is missing and no `{SHARED_SUBNET}.*` or `{first}.*` tensors tell it"
        )))
        }
    };
    let aux = parse_bool(&meta, "aux_loss")?.ok_or_else(|| {
        WeightsError::Metadata("`aux_loss` is missing (\"True\" or \"False\")".into())
    })?;
    let normalization = Normalization {
        mean: parse_float(&meta, "norm_mean")?,
        std: parse_float(&meta, "norm_std")?,
    };
    if !(normalization.mean.is_finite() && normalization.std.is_finite() && normalization.std > 0.0)
    {
        return Err(WeightsError::Metadata(format!(
            "normalisation mean {} / std {} is not usable (std must be > 0)",
            normalization.mean, normalization.std
        )));
    }
    let config = ModelConfig { share, aux };

    let expected = expected_layout(config);
    let mut problems = Vec::new();
    let mut state = HashMap::with_capacity(expected.len());
    for e in &expected {
        let Ok(view) = st.tensor(&e.name) else {
            problems.push(format!("missing `{}`", e.name));
            continue;
        };
        let want = match e.dtype {
            DType::I64 => Dtype::I64,
            _ => Dtype::F32,
        };
        if view.dtype() != want || view.shape() != e.shape.as_slice() {
            problems.push(format!(
                "`{}` is {:?} {:?}, expected {:?} {:?}",
                e.name,
                view.dtype(),
                view.shape(),
                want,
                e.shape
            ));
            continue;
        }
        let tensor = match want {
            Dtype::I64 => {
                let v: Vec<i64> = view
                    .data()
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default()))
                    .collect();
                Tensor::from_vec(v, e.shape.as_slice(), &Device::Cpu)?
            }
            _ => {
                let v: Vec<f32> = view
                    .data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap_or_default()))
                    .collect();
                if let Some(bad) = v.iter().position(|x| !x.is_finite()) {
                    problems.push(format!("`{}` holds a non-finite value at {bad}", e.name));
                    continue;
                }
                // BatchNorm divides by √(running_var + ε): a negative variance gives NaN.
                if e.name.ends_with(&format!(".{RUNNING_VAR}")) {
                    if let Some(bad) = v.iter().position(|&x| x < 0.0) {
                        problems.push(format!(
                            "`{}` holds a negative variance ({}) at {bad}: every prediction would be NaN",
                            e.name, v[bad]
                        ));
                        continue;
                    }
                }
                Tensor::from_vec(v, e.shape.as_slice(), &Device::Cpu)?
            }
        };
        state.insert(e.name.clone(), tensor);
    }
    let known: BTreeSet<&str> = expected.iter().map(|e| e.name.as_str()).collect();
    let unexpected: Vec<&str> = names.difference(&known).copied().collect();
    if !unexpected.is_empty() {
        problems.push(format!("unexpected {}", quote_list(&unexpected)));
    }
    if !problems.is_empty() {
        return Err(WeightsError::Layout {
            config,
            problems: problems.join("; "),
        });
    }
    TwinNet::from_state(config, normalization, |name| {
        state.remove(name).ok_or_else(|| WeightsError::Layout {
            config,
            problems: format!("missing `{name}`"),
        })
    })
}

fn quote_list(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    let mut s: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        s.push(format!("and {} more", names.len() - SHOWN));
    }
    s.join(", ")
}

fn describe_safetensors_error(e: &safetensors::SafeTensorError, len: usize) -> String {
    use safetensors::SafeTensorError as E;
    match e {
        E::HeaderTooSmall => format!("only {len} bytes, too short for a safetensors header"),
        E::HeaderTooLarge | E::InvalidHeaderLength => {
            format!("its header claims more bytes than the file's {len} (truncated, or not safetensors)")
        }
        E::MetadataIncompleteBuffer => {
            format!("the file's {len} bytes do not match the tensor sizes its header declares (truncated?)")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn model(config: ModelConfig) -> TwinNet {
        TwinNet::new(
            config,
            Normalization {
                mean: 0.13,
                std: 0.3,
            },
            &mut Rng::new(4),
        )
        .unwrap()
    }

    #[test]
    fn round_trip_keeps_everything() {
        for config in ModelConfig::ALL {
            let m = model(config);
            let bytes = to_safetensors(&m).unwrap();
            let back = from_safetensors(&bytes).unwrap();
            assert_eq!(back.config(), config);
            assert_eq!(back.normalization(), m.normalization());
            let (a, b) = (m.state().unwrap(), back.state().unwrap());
            assert_eq!(a.len(), expected_layout(config).len());
            for ((na, ta), (nb, tb)) in a.iter().zip(&b) {
                assert_eq!(na, nb);
                let d = (ta.to_dtype(DType::F64).unwrap() - tb.to_dtype(DType::F64).unwrap())
                    .unwrap()
                    .abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f64>()
                    .unwrap();
                assert_eq!(d, 0.0, "{na}");
            }
        }
    }

    fn err(bytes: &[u8]) -> String {
        match from_safetensors(bytes) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    fn rewrite(
        config: ModelConfig,
        edit: impl Fn(&mut Vec<(String, Tensor)>, &mut HashMap<String, String>),
    ) -> Vec<u8> {
        let m = model(config);
        let mut state = m.state().unwrap();
        let mut meta: HashMap<String, String> = [
            ("share_weight", python_bool(config.share)),
            ("aux_loss", python_bool(config.aux)),
            ("norm_mean", "0.13"),
            ("norm_std", "0.3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        edit(&mut state, &mut meta);
        safetensors::serialize(state, Some(meta)).unwrap()
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let sa = ModelConfig::SHARE_AUX;
        assert!(err(b"").contains("too short"));
        assert!(err(b"hello world, not safetensors").contains("not a TwinNet weights file"));
        let mut huge = (u64::MAX / 2).to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        assert!(err(&huge).contains("header claims"));
        let mut gig = (4_000_000_000u64).to_le_bytes().to_vec();
        gig.extend_from_slice(b"{}");
        assert!(err(&gig).contains("header claims"));
        let good = to_safetensors(&model(sa)).unwrap();
        assert!(err(&good[..good.len() - 10]).contains("truncated"));
        assert!(err(&vec![0u8; MAX_FILE_BYTES + 1]).contains("under 100 KB"));

        let missing = rewrite(sa, |s, _| s.retain(|(n, _)| n != "head.5.bias"));
        assert!(
            err(&missing).contains("missing `head.5.bias`"),
            "{}",
            err(&missing)
        );
        let shape = rewrite(sa, |s, _| {
            s[0].1 = Tensor::zeros((16, 1, 5, 5), DType::F32, &Device::Cpu).unwrap()
        });
        assert!(
            err(&shape)
                .contains("`subnet.0.weight` is F32 [16, 1, 5, 5], expected F32 [16, 1, 3, 3]"),
            "{}",
            err(&shape)
        );
        let dtype = rewrite(sa, |s, _| s[0].1 = s[0].1.to_dtype(DType::F64).unwrap());
        assert!(err(&dtype).contains("F64"));
        let extra = rewrite(sa, |s, _| {
            s.push((
                "subnet.99.weight".into(),
                Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap(),
            ))
        });
        assert!(err(&extra).contains("unexpected `subnet.99.weight`"));
        let wrong_config = rewrite(sa, |_, m| {
            m.insert("share_weight".into(), "False".into());
        });
        assert!(err(&wrong_config).contains("missing `subnet1.0.weight`"));
        let no_norm = rewrite(sa, |_, m| {
            m.remove("norm_std");
        });
        assert!(err(&no_norm).contains("`norm_std` is missing"));
        let bad_bool = rewrite(sa, |_, m| {
            m.insert("aux_loss".into(), "maybe".into());
        });
        assert!(err(&bad_bool).contains("aux_loss"));
        let nan = rewrite(sa, |s, _| {
            s[1].1 = Tensor::new(&[f32::NAN; 16], &Device::Cpu).unwrap()
        });
        assert!(err(&nan).contains("non-finite"));
        let negative_var = rewrite(sa, |s, _| {
            let i = s
                .iter()
                .position(|(n, _)| n.ends_with(".running_var"))
                .unwrap();
            let n = s[i].1.elem_count();
            let mut v = vec![1f32; n];
            v[3] = -1.0;
            s[i].1 = Tensor::new(v, &Device::Cpu).unwrap();
        });
        let e = err(&negative_var);
        assert!(
            e.contains("running_var` holds a negative variance (-1) at 3"),
            "{e}"
        );
        let bad_norm = rewrite(sa, |_, m| {
            m.insert("norm_std".into(), "0".into());
        });
        assert!(err(&bad_norm).contains("std must be > 0"));
    }
}
