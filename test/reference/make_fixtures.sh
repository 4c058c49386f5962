#!/usr/bin/env bash
# Regenerates test/reference/fmnist/*.json from ../shared/fixtures/fmnist with the NumPy reference.
# The conv input sizes are the fixture README's (28×28 for conv1, 14×14 for conv2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fx=${THEORY_LENS_FIXTURES:-$here/../../../shared/fixtures}/fmnist
out=$here/fmnist
mkdir -p "$out/run_mlp"
cnn="--input-spatial conv1.weight=28x28 --input-spatial conv2.weight=14x14"
cnn_bn="--input-spatial onnx::Conv_32=28x28 --input-spatial onnx::Conv_35=14x14"
for m in mlp mlp_tanh mlp_noise30 run_mlp; do
  python3 "$here/reference.py" "$fx/$m.onnx" --init "$fx/$m.init.onnx" --label "$m.onnx" > "$out/$m.json"
done
python3 "$here/reference.py" "$fx/cnn.onnx" --init "$fx/cnn.init.onnx" $cnn --label cnn.onnx > "$out/cnn.json"
python3 "$here/reference.py" "$fx/cnn_bn.onnx" --init "$fx/cnn_bn.init.onnx" $cnn_bn --label cnn_bn.onnx > "$out/cnn_bn.json"
for e in 05 10 15 20 25 30; do
  python3 "$here/reference.py" "$fx/run_mlp/epoch_$e.onnx" --init "$fx/run_mlp.init.onnx" --label "run_mlp/epoch_$e.onnx" > "$out/run_mlp/epoch_$e.json"
done
echo "wrote $(ls "$out"/*.json "$out"/run_mlp/*.json | wc -l) reference files to $out"
