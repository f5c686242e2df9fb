#!/usr/bin/env bash
# make device-bundle: packs what device-check.sh needs into one file, native-kernels/target/device-bundle.tgz
# (about 45 MB), for a GPU machine that has no JDK, no Maven repository and no network: a jlink'd Java 25
# runtime (java.base + java.logging), the tokmix jars with JCuda (its natives trimmed to the driver binding),
# the o200k_base and Llama 3 tokenizers, and 57 MB of fetched text (data/text/prose and code, and
# data/text-large/prose/en.txt), gzipped. Carry that one file to the GPU machine with the repository and run
# native-kernels/device-check.sh there; it finds the bundle by itself.
#
# Builds offline by default (MVN_FLAGS=-o); set MVN_FLAGS= to let Maven download.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
data="${TOKMIX_DATA:-$root/data}"
java_home="$("$root/scripts/find-jdk25.sh")"
export JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
out="$here/target/device-bundle"
start=$SECONDS
log() { echo "[device-bundle $((SECONDS - start))s] $*" >&2; }

for f in tiktoken/o200k_base.tiktoken hf/llama3/tokenizer.json text/prose/en.txt text/code/python.txt \
         text-large/prose/en.txt; do
  [ -f "$data/$f" ] || { echo "device-bundle: $data/$f is missing; run 'make data data-large' first" >&2; exit 2; }
done

log "building native-kernels and its runtime classpath (mvn ${MVN_FLAGS--o})"
(cd "$root" && mvn -B -q ${MVN_FLAGS--o} -pl native-kernels -am package dependency:build-classpath -DskipTests \
   -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime)
rm -rf "$out" "$out.tgz"
mkdir -p "$out/lib" "$out/data/tiktoken" "$out/data/hf/llama3" "$out/data/text/prose" "$out/data/text/code" \
         "$out/data/text-large/prose"
cp "$here"/target/tokmix-native-kernels-*.jar "$out/lib/"
tr ':' '\n' < "$here/target/classpath.txt" | while read -r jar; do
  case "$jar" in
    *jcuda-natives*)
      # Only the driver binding is loaded; the runtime, NVRTC and PTX-compiler bindings (25 MB) stay behind.
      tmp="$(mktemp -d)"
      (cd "$tmp" && unzip -q "$jar" 'lib/libJCudaDriver-*' 'META-INF/MANIFEST.MF' && zip -q -r "$out/lib/$(basename "$jar")" .)
      rm -rf "$tmp" ;;
    *) cp "$jar" "$out/lib/" ;;
  esac
done

log "linking a Java runtime"
modules="$(jdeps --print-module-deps --ignore-missing-deps --multi-release 25 "$out"/lib/*.jar)"
jlink --add-modules "$modules,java.logging" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
      --output "$out/jre"

log "compressing tokenizers and text"
gzip -9 -c "$data/tiktoken/o200k_base.tiktoken" > "$out/data/tiktoken/o200k_base.tiktoken.gz"
gzip -9 -c "$data/hf/llama3/tokenizer.json" > "$out/data/hf/llama3/tokenizer.json.gz"
for f in "$data"/text/prose/*.txt; do gzip -9 -c "$f" > "$out/data/text/prose/$(basename "$f").gz"; done
for f in "$data"/text/code/*.txt; do gzip -9 -c "$f" > "$out/data/text/code/$(basename "$f").gz"; done
gzip -9 -c "$data/text-large/prose/en.txt" > "$out/data/text-large/prose/en.txt.gz"
cp "$data/text/MANIFEST.tsv" "$out/data/text/" 2>/dev/null || true

tar czf "$out.tgz" -C "$here/target" device-bundle
rm -rf "$out"
size=$(stat -c %s "$out.tgz")
log "wrote $out.tgz ($((size / 1048576)) MiB)"
if [ "$size" -gt $((56 * 1048576)) ]; then
  echo "device-bundle: $out.tgz is over 56 MiB; with the repository it would not fit a 64 MiB transfer" >&2
  exit 1
fi
