#!/usr/bin/env bash
# make ptx: compiles src/main/cuda/bpe_merge.cu to the PTX resources the Java build packages, so building and
# running tokmix needs no nvcc. Two targets: sm_90 (H100/H200, the path measured) and sm_75 (portable: the
# driver JIT-compiles it for any GPU of compute capability 7.5 or more).
#
# PTX ISA: nvcc 13 writes ".version 9.0", which only CUDA 13 drivers accept (and JCuda's PTX compiler, CUDA
# 12.0, rejects). The kernels use nothing newer than ISA 8.0, so the version line is relabelled to 8.0 and the
# result is assembled with ptxas for its target: ptxas rejects any instruction newer than the declared ISA
# ("Feature 'redux' requires PTX ISA .version 7.0 or later"), so a relabel that would be wrong fails here.
#
# Writes src/main/resources/dev/tokmix/cuda/bpe_merge.{sm_90,sm_75}.ptx and bpe_merge.ptx.properties (the .cu's
# SHA-256, nvcc's version, the ISA); PtxResourceTest fails when the .cu no longer matches.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/cuda/bpe_merge.cu"
out="$here/src/main/resources/dev/tokmix/cuda"
isa=8.0
nvcc="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
if [ ! -x "$nvcc" ]; then
  echo "build-ptx: nvcc not found (looked at \$NVCC, PATH, /usr/local/cuda/bin/nvcc); install the CUDA toolkit" \
       "or set NVCC. The committed PTX in $out is used as it is." >&2
  exit 2
fi
ptxas="${PTXAS:-$(dirname "$nvcc")/ptxas}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
nvcc_version="$("$nvcc" --version | sed -n 's/^Cuda compilation tools, //p')"
relabelled=""
for target in sm_90 sm_75; do
  arch="compute_${target#sm_}"
  "$nvcc" -arch="$arch" --ptx -o "$tmp/$target.ptx" "$src"
  emitted="$(awk '/^\.version/ {print $2; exit}' "$tmp/$target.ptx")"
  if awk -v a="$emitted" -v b="$isa" 'BEGIN { split(a, x, "."); split(b, y, "."); exit !(x[1] > y[1] || (x[1] == y[1] && x[2] > y[2])) }'; then
    sed -i "s/^\.version $emitted\$/.version $isa/" "$tmp/$target.ptx"
    relabelled="$emitted"
  fi
  grep -q "^\.version $isa\$" "$tmp/$target.ptx" || { echo "build-ptx: $target: expected .version $isa" >&2; exit 1; }
  grep -q "^\.target $target\$" "$tmp/$target.ptx" || { echo "build-ptx: $target: expected .target $target" >&2; exit 1; }
  echo "== $target: PTX ISA $isa (nvcc wrote $emitted); ptxas -arch=$target:"
  "$ptxas" -arch="$target" -v -o "$tmp/$target.cubin" "$tmp/$target.ptx" 2>&1 | sed 's/^/   /'
  cp "$tmp/$target.ptx" "$out/bpe_merge.$target.ptx"
done
{
  echo "# Written by native-kernels/build-ptx.sh (make ptx); PtxResourceTest checks it against the .cu."
  echo "source.sha256=$(sha256sum "$src" | cut -d' ' -f1)"
  echo "nvcc=$nvcc_version"
  echo "ptx.isa=$isa"
  echo "ptx.isa.emitted=${relabelled:-$isa}"
} > "$out/bpe_merge.ptx.properties"
echo "wrote $out/bpe_merge.sm_90.ptx, bpe_merge.sm_75.ptx, bpe_merge.ptx.properties"
