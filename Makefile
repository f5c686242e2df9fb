# tokmix — build, test, demo and benchmarks. Finds JDK 25 by itself (scripts/find-jdk25.sh).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk25.sh)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
MVN := mvn -B -ntp
DATA := data

.PHONY: all build test demo experiment bench bench-train bench-shard bench-sampler bench-tiktoken bench-spark data \
	data-large clean ptx device-bundle device-check

all: build

# Released tokenizers and real text, fetched once into the git-ignored data/ folder (pinned versions).
data:
	scripts/fetch-data.sh

# A larger corpus for mixture-inference experiments, 6-8 MB per language, in data/text-large/ (docs/data.md).
# Not a prerequisite of anything: about 370 MB to download and 2-3 minutes the first time.
data-large:
	scripts/fetch-experiment-data.sh

# package (not install): nothing is written to ~/.m2, the reactor resolves modules from their targets.
build:
	$(MVN) -q package -DskipTests

test: data
	$(MVN) verify

# The main job: mixture inference on GPT-2, GPT-3.5, GPT-4o and the Llama 3 extension; tables on stdout,
# progress on stderr, the chart in demo-mixtures.svg.
demo: build data
	./tokmix demo --data $(DATA) --chart demo-mixtures.svg

# The controlled experiments of docs/mixture-inference.md (needs the large corpus: make data-large).
EXPERIMENT := ./tokmix experiment --vocab-size 10256 --total-bytes 20000000 --seed 1 --merges 1000 --trials 10
experiment: build data-large
	$(EXPERIMENT) --categories $(DATA)/text-large/prose --n 5
	$(EXPERIMENT) --categories $(DATA)/text-large/prose --n 10
	$(EXPERIMENT) --categories $(DATA)/text-large/code --n 5

# JMH: tokmix vs jtokkit vs DJL (HF tokenizers) in the same run. BENCH_ARGS overrides JMH options.
BENCH_ARGS ?= -f 1 -wi 3 -i 5 -w 2s -r 3s
bench: build data
	java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dtokmix.data=$(CURDIR)/$(DATA) \
	  -jar jmh/target/benchmarks.jar BpeEncodeBenchmark $(BENCH_ARGS) -rf json -rff jmh-result.json

# Trainer: the 100 MB mixed-text target timed by the CLI itself under a 4 GB heap cap (three runs), then JMH
# for the counting and merge phases with -prof gc. Output tokenizers go to $(TRAIN_OUT).
TRAIN_OUT ?= /tmp/tokmix-bench-train
bench-train: build data
	mkdir -p $(TRAIN_OUT)
	for run in 1 2 3; do TOKMIX_JAVA_OPTS=-Xmx4g ./tokmix train --mix prose=$(DATA)/text/prose:0.5 \
	  --mix code=$(DATA)/text/code:0.5 --total-bytes 100000000 --seed 1 --vocab-size 30000 \
	  --pretokenizer digits+gpt2 --output $(TRAIN_OUT)/mix100.json --json; done
	java --enable-native-access=ALL-UNNAMED -Dtokmix.data=$(CURDIR)/$(DATA) \
	  -jar jmh/target/benchmarks.jar BpeTrainBenchmark -prof gc $(BENCH_ARGS) -rf json -rff jmh-train-result.json

# Shard I/O: streaming a page-cached 1 GiB shard against MemorySegment.copy, random documents, and the
# `tokmix shard` pipeline against the bare encoder on the same threads (docs/benchmarks.md, "Token shards").
# The 1 GiB shard and the corpus are written once into $(BENCH_DIR).
BENCH_DIR ?= /tmp
bench-shard: build data
	java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dtokmix.data=$(CURDIR)/$(DATA) \
	  -Dtokmix.benchDir=$(BENCH_DIR) -jar jmh/target/benchmarks.jar 'Shard(Read|Pipeline)Benchmark' -prof gc \
	  $(BENCH_ARGS) -rf json -rff jmh-shard-result.json

# Mixture sampler: blend decisions (EEDF, alias, Megatron's greedy rule) at K = 10..10,000, the sampler's cost per
# 4,096-token sample beside the bare token copy, and opening a 1,000-shard blend (docs/benchmarks.md).
bench-sampler: build
	java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dtokmix.benchDir=$(BENCH_DIR) \
	  -jar jmh/target/benchmarks.jar 'SamplerBenchmark|BlendBenchmark' -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s \
	  -rf json -rff jmh-sampler-result.json

# tokmix against tiktoken itself (npm, WebAssembly) on the same documents (docs/benchmarks.md).
bench-tiktoken: build data
	scripts/bench-tiktoken.sh data/text/prose/en.txt o200k_base
	scripts/bench-tiktoken.sh data/text/code/python.txt cl100k_base

# Spark local[2] against tokmix shard with 2 threads on the same JSON Lines (docs/benchmarks.md, "Spark").
bench-spark: build data
	$(MVN) -q -pl spark dependency:build-classpath -Dmdep.outputFile=$(CURDIR)/spark/target/classpath.txt \
	  -Dmdep.includeScope=provided
	python3 scripts/make-jsonl.py $(DATA)/text > $(BENCH_DIR)/tokmix-spark-corpus.jsonl
	SPARK_LOCAL_IP=127.0.0.1 java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx6g \
	  -Dtokmix.data=$(CURDIR)/$(DATA) -cp spark/target/tokmix-spark.jar:$$(tr ':' '\n' \
	  < spark/target/classpath.txt | grep -v /dev/tokmix/ | paste -sd:) dev.tokmix.spark.TokmixSparkJob compare \
	  --input $(BENCH_DIR)/tokmix-spark-corpus.jsonl --tokenizer cl100k_base --output $(BENCH_DIR)/tokmix-spark-out \
	  --threads 2 --runs 3

# CUDA path (native-kernels): PTX resources from src/main/cuda/*.cu with nvcc (committed, so the Java build needs
# no nvcc); one file with all a GPU machine without Maven, a JDK or network needs for the device check
# (native-kernels/target/device-bundle.tgz); the GPU parity suite and throughput table, run on that machine
# (README, "CUDA path").
ptx:
	native-kernels/build-ptx.sh

device-bundle: data data-large
	native-kernels/device-bundle.sh

device-check:
	native-kernels/device-check.sh

clean:
	$(MVN) -q clean
