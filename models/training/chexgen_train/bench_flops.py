"""FLOPs of one image, counted from a model folder's ONNX graphs (for `npm run bench:synthesis`).

  cd models/training && /usr/bin/python3 -m chexgen_train.bench_flops --model cxr256-gpu-v1 [--steps 20] [--cfg-batch 2]

Method: each graph's symbolic `batch` axis is pinned to the batch the pipeline runs it at (text encoder: 2 rows,
prompt and empty prompt; denoiser: the CFG batch, `--cfg-batch`; VAE decoder: 1), ONNX shape inference (with data
propagation, so Shape->Gather->Concat->Reshape chains resolve) gives every tensor's shape, and each MatMul, Gemm,
Conv and ConvTranspose node counts 2 * multiply-accumulates:

  MatMul [..., M, K] x [..., K, N] -> 2 * prod(broadcast batch dims) * M * K * N (1-D operands as numpy promotes)
  Gemm   [M, K] x [K, N]           -> 2 * M * K * N (+ M * N for the bias C is ignored)
  Conv   weight [Cout, Cin/g, kh, kw], output [B, Cout, oh, ow] -> 2 * B * Cout * oh * ow * (Cin/g) * kh * kw
  ConvTranspose weight [Cin, Cout/g, kh, kw], input [B, Cin, ih, iw] -> 2 * B * Cin * ih * iw * (Cout/g) * kh * kw

Everything else (LayerNorm, Softmax, GELU/Erf, adds, casts, reshapes) is left out: it is memory-bound and small
next to the products, so the total is a lower bound on the work and `floor_ms` a lower bound on the time.
One image = text encoder once + denoiser x steps + VAE decoder once. Prints one JSON line.
"""
import argparse
import json
import os
import sys
from typing import Dict, List, Optional

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COUNTED = ("MatMul", "Gemm", "Conv", "ConvTranspose")


def _pin_batch(model: onnx.ModelProto, batch: int) -> None:
    """Sets the first (dynamic `batch`) axis of every graph input and output to `batch`; other symbolic dims of the
    outputs are cleared so inference fills them."""
    for value in list(model.graph.input) + list(model.graph.output):
        for i, dim in enumerate(value.type.tensor_type.shape.dim):
            if i == 0 and dim.HasField("dim_param"):
                dim.dim_value = batch
            elif dim.HasField("dim_param"):
                dim.ClearField("dim_param")


def _shapes(model: onnx.ModelProto) -> Dict[str, List[Optional[int]]]:
    """tensor name -> shape (None for an unknown dim) for inputs, initializers and every inferred value."""
    out: Dict[str, List[Optional[int]]] = {}
    for init in model.graph.initializer:
        out[init.name] = list(init.dims)
    for value in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output):
        if not value.type.tensor_type.HasField("shape"):
            continue  # rank unknown
        dims = value.type.tensor_type.shape.dim
        out[value.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    for node in model.graph.node:  # Constant nodes carry their shape in the attribute
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    out[node.output[0]] = list(attr.t.dims)
    return out


def _prod(xs) -> int:
    p = 1
    for x in xs:
        p *= x
    return p


def _node_flops(node: onnx.NodeProto, shapes: Dict[str, List[Optional[int]]]) -> int:
    def shape(name: str) -> List[int]:
        s = shapes.get(name)
        if s is None or any(d is None for d in s):
            raise ValueError(f"{node.op_type} {node.name}: shape of {name!r} not inferred ({s})")
        return s  # type: ignore[return-value]

    if node.op_type == "MatMul":
        a, b = shape(node.input[0]), shape(node.input[1])
        a2 = [1] + a if len(a) == 1 else a
        b2 = b + [1] if len(b) == 1 else b
        m, k, n = a2[-2], a2[-1], b2[-1]
        assert k == b2[-2], f"{node.name}: MatMul {a} x {b}"
        batch_a, batch_b = a2[:-2], b2[:-2]
        rank = max(len(batch_a), len(batch_b))
        batch_a = [1] * (rank - len(batch_a)) + batch_a
        batch_b = [1] * (rank - len(batch_b)) + batch_b
        return 2 * _prod(max(x, y) for x, y in zip(batch_a, batch_b)) * m * k * n
    if node.op_type == "Gemm":
        attrs = {a.name: a.i for a in node.attribute}
        a, b = shape(node.input[0]), shape(node.input[1])
        m, k = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
        n = b[0] if attrs.get("transB", 0) else b[1]
        return 2 * m * k * n
    if node.op_type == "Conv":
        w, y = shape(node.input[1]), shape(node.output[0])
        return 2 * y[0] * w[0] * _prod(y[2:]) * _prod(w[1:])
    if node.op_type == "ConvTranspose":
        x, w = shape(node.input[0]), shape(node.input[1])
        return 2 * x[0] * x[1] * _prod(x[2:]) * _prod(w[1:])
    return 0


# Ops whose first output has the shape of their first input. onnx 1.12's inference leaves opset-17
# LayerNormalization outputs without a shape, which stops everything downstream; we fill those in.
_SAME_SHAPE = ("LayerNormalization",)
_SMALL = 4096  # constants up to this many elements are folded (shape arithmetic, never weights)


def _np_dtype(onnx_type: int):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]


def _eval(node: onnx.NodeProto, x: List[Optional[np.ndarray]]) -> Optional[np.ndarray]:
    """numpy value of a shape-arithmetic node whose inputs are all known, or None when not handled."""
    a = {attr.name: onnx.helper.get_attribute_value(attr) for attr in node.attribute}
    op = node.op_type
    if op == "Constant":
        return numpy_helper.to_array(a["value"]) if "value" in a else None
    if op == "Gather":
        return np.take(x[0], x[1], axis=a.get("axis", 0))
    if op == "Unsqueeze":
        out = x[0]
        for axis in sorted(int(v) % (x[0].ndim + len(x[1])) for v in x[1]):
            out = np.expand_dims(out, axis)
        return out
    if op == "Squeeze":
        return np.squeeze(x[0], axis=tuple(int(v) for v in x[1])) if len(x) > 1 else np.squeeze(x[0])
    if op == "Concat":
        return np.concatenate(x, axis=a["axis"])
    if op == "Slice":
        starts, ends = x[1], x[2]
        axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
        steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
        index = [slice(None)] * x[0].ndim
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            index[int(ax)] = slice(int(st), int(en), int(sp))
        return x[0][tuple(index)]
    if op == "Cast":
        return x[0].astype(_np_dtype(a["to"]))
    if op in ("Add", "Sub", "Mul", "Div"):
        if op == "Div" and np.issubdtype(x[0].dtype, np.integer):
            return (x[0] // x[1]).astype(x[0].dtype)
        return {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](x[0], x[1])
    if op == "Equal":
        return np.equal(x[0], x[1])
    if op == "Where":
        return np.where(x[0], x[1], x[2])
    if op == "Range":
        return np.arange(x[0], x[1], x[2], dtype=x[0].dtype)
    if op == "ConstantOfShape":
        fill = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return np.full(tuple(int(v) for v in x[0]), fill[0], dtype=fill.dtype)
    return None


def _fold(model: onnx.ModelProto, shapes: Dict[str, List[Optional[int]]]) -> int:
    """Replaces Shape nodes of known shapes, and small all-constant nodes, by initializers; -> nodes folded."""
    consts: Dict[str, np.ndarray] = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer
                                     if _prod(i.dims) <= _SMALL}
    keep, folded = [], 0
    for node in model.graph.node:
        value = None
        if node.op_type == "Shape":
            shape = shapes.get(node.input[0])
            if shape is not None and None not in shape:
                attrs = {attr.name: attr.i for attr in node.attribute}
                value = np.array(shape, dtype=np.int64)[attrs.get("start", 0):attrs.get("end", len(shape)) or None]
        elif len(node.output) == 1 and all(name == "" or name in consts for name in node.input):
            inputs = [consts[name] if name else None for name in node.input]
            value = _eval(node, inputs)
            if value is not None and value.size > _SMALL:
                value = None
        if value is None:
            keep.append(node)
            continue
        value = np.asarray(value)
        consts[node.output[0]] = value
        model.graph.initializer.append(numpy_helper.from_array(value, node.output[0]))
        folded += 1
    if folded:
        del model.graph.node[:]
        model.graph.node.extend(keep)
        names = {i.name for i in model.graph.initializer}
        kept_info = [v for v in model.graph.value_info if v.name not in names]
        del model.graph.value_info[:]
        model.graph.value_info.extend(kept_info)
    return folded


def _fill_same_shape(model: onnx.ModelProto, shapes: Dict[str, List[Optional[int]]]) -> int:
    info = {v.name: v for v in model.graph.value_info}
    filled = 0
    for node in model.graph.node:
        out = node.output[0]
        src = shapes.get(node.input[0]) if node.input else None
        if node.op_type not in _SAME_SHAPE or out in shapes or src is None or None in src:
            continue
        shape = onnx.helper.make_tensor_type_proto(onnx.TensorProto.FLOAT, src).tensor_type.shape
        if out in info:
            info[out].type.tensor_type.shape.CopyFrom(shape)
        else:
            model.graph.value_info.append(onnx.helper.make_tensor_value_info(out, onnx.TensorProto.FLOAT, src))
        filled += 1
    return filled


def _infer(model: onnx.ModelProto) -> onnx.ModelProto:
    """Shape inference, constant folding of shape arithmetic and the LayerNorm fill, repeated to a fixed point."""
    for _ in range(256):
        model = shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
        shapes = _shapes(model)
        changed = _fold(model, shapes)
        if not changed:
            changed = _fill_same_shape(model, shapes)
        if not changed:
            return model
    raise RuntimeError("shape inference did not converge")


def graph_flops(path: str, batch: int) -> Dict[str, int]:
    """FLOPs of one run of the graph at `batch`, by op type (only the counted ops)."""
    model = onnx.load(path)
    _pin_batch(model, batch)
    model = _infer(model)
    shapes = _shapes(model)
    by_op = {op: 0 for op in COUNTED}
    for node in model.graph.node:
        if node.op_type in COUNTED:
            by_op[node.op_type] += _node_flops(node, shapes)
    return by_op


def main(args: argparse.Namespace) -> None:
    model_dir = args.model_dir or os.path.join(ROOT, "models", args.model)
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        graphs = json.load(f)["graphs"]
    assert args.steps >= 1 and args.cfg_batch >= 1
    runs = {"text_encoder": (2, 1), "denoiser": (args.cfg_batch, args.steps), "vae_decoder": (1, 1)}
    per_run, per_image = {}, {}
    for name, (batch, times) in runs.items():
        by_op = graph_flops(os.path.join(model_dir, graphs[name]["file"]), batch)
        per_run[name] = {"batch": batch, "gflop": sum(by_op.values()) / 1e9,
                         "by_op_gflop": {k: v / 1e9 for k, v in by_op.items() if v}}
        per_image[name] = per_run[name]["gflop"] * times
    print(json.dumps({
        "model": os.path.basename(os.path.normpath(model_dir)), "steps": args.steps, "cfg_batch": args.cfg_batch,
        "gflop_per_image": sum(per_image.values()), "gflop_per_image_by_graph": per_image, "per_run": per_run,
        "method": "ONNX shape inference at the pipeline's batch; 2*MACs of MatMul/Gemm/Conv/ConvTranspose only",
    }))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m chexgen_train.bench_flops", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="cxr256-gpu-v1", help="model folder name under models/")
    ap.add_argument("--model-dir", default=None, help="model folder path (overrides --model)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--cfg-batch", type=int, default=2, help="denoiser rows per step (2 = classifier-free guidance)")
    return ap.parse_args(argv)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))
