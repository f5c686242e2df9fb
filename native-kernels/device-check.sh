#!/usr/bin/env bash
# The GPU check of the CUDA path, in one command on a machine with an NVIDIA GPU (H100/H200, CUDA 13 driver):
#   1. Java and the classpath: the bundle made by `make device-bundle` (native-kernels/target/device-bundle.tgz,
#      or $TOKMIX_DEVICE_BUNDLE: its own Java runtime, jars, tokenizers and text; needs nothing else), else a
#      Maven build here (needs JDK 25, Maven, and Maven Central or a carried ~/.m2; MVN_FLAGS=-o for offline);
#   2. the committed PTX assembled with the local ptxas for sm_90, if there is one (a quick sanity check);
#   3. dev.tokmix.cuda.DeviceCheck: on 57 MB of fetched multilingual prose, code and English, with o200k_base
#      and Llama 3, the CUDA encoder's ids against the CPU encoder's for every document (and the block kernel
#      alone on 8 MB), then throughput in the same run: the CPU encoder on all cores, the CPU stage alone (the
#      ceiling of the CUDA path), the CUDA path end to end (copies included) and the kernels alone. A table
#      comes last. Extra arguments go to DeviceCheck (--tokenizers, --threads, --group-mb, --repeats, ...).
# Exit status: 0 all ids equal; 1 a mismatch; 2 setup problem; 3 no usable GPU; 124 over the time limit
# (DEVICE_CHECK_TIMEOUT seconds for step 3, default 270, so the whole check stays under 5 minutes).
# The log is also written to $OUT/device-check.log (or native-kernels/target/device-check.log).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
start=$SECONDS
log() { echo "[device-check $((SECONDS - start))s] $*" >&2; }
die() { echo "device-check: $*" >&2; exit 2; }

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader | sed 's/^/GPU: /' || true
else
  log "nvidia-smi not found; the Java probe below says whether a CUDA device is usable"
fi

bundle="${TOKMIX_DEVICE_BUNDLE:-$here/target/device-bundle.tgz}"
if [ -f "$bundle" ]; then
  log "using the bundle $bundle"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  tar xzf "$bundle" -C "$work"
  java="$work/device-bundle/jre/bin/java"
  cp="$(ls "$work"/device-bundle/lib/*.jar | tr '\n' ':')"
  data="${TOKMIX_DATA:-$work/device-bundle/data}"
else
  log "no bundle at $bundle: building with Maven (needs Maven Central or a carried ~/.m2)"
  java_home="$("$root/scripts/find-jdk25.sh")" \
    || die "no JDK 25 here and no bundle; remedy: run 'make device-bundle' on a build machine and bring" \
           "native-kernels/target/device-bundle.tgz, or install Temurin 25"
  command -v mvn >/dev/null 2>&1 || die "mvn not found and no bundle; remedy: make device-bundle elsewhere and bring it"
  (cd "$root" && JAVA_HOME="$java_home" MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}" \
     mvn -B -q ${MVN_FLAGS:-} -pl native-kernels -am package dependency:build-classpath -DskipTests \
     -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime) \
    || die "the Maven build failed (offline without a ~/.m2 holding the dependencies?); remedy: make device-bundle"
  java="$java_home/bin/java"
  cp="$(ls "$here"/target/tokmix-native-kernels-*.jar):$(cat "$here/target/classpath.txt")"
  data="${TOKMIX_DATA:-$root/data}"
fi
"$java" -version 2>&1 | head -1 | sed 's/^/java: /'

ptxas="$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)"
if [ -x "$ptxas" ]; then
  ptx="$(mktemp)"
  unzip -p "$(echo "$cp" | tr ':' '\n' | grep tokmix-native-kernels)" dev/tokmix/cuda/bpe_merge.sm_90.ptx > "$ptx"
  if "$ptxas" -arch=sm_90 -o /dev/null "$ptx" 2>/dev/null; then
    log "the committed PTX (ISA 8.0) assembles with $("$ptxas" --version | tail -1)"
  else
    log "WARNING: $ptxas rejects the committed PTX; the driver's JIT may too (see the probe below)"
  fi
  rm -f "$ptx"
fi

logfile="${OUT:-$here/target}/device-check.log"
mkdir -p "$(dirname "$logfile")"
set +e
timeout "${DEVICE_CHECK_TIMEOUT:-270}" "$java" -Xmx24g -Xss16m --enable-native-access=ALL-UNNAMED \
  --sun-misc-unsafe-memory-access=allow -cp "$cp" dev.tokmix.cuda.DeviceCheck --data "$data" "$@" 2>&1 \
  | tee "$logfile"
status=${PIPESTATUS[0]}
set -e
case "$status" in
  0) log "passed in $((SECONDS - start)) s; log in $logfile" ;;
  124) log "TIMED OUT after ${DEVICE_CHECK_TIMEOUT:-270} s (try --repeats 1 or --tokenizers o200k_base)" ;;
  *) log "failed with status $status in $((SECONDS - start)) s; log in $logfile" ;;
esac
exit "$status"
