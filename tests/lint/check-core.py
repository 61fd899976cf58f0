#!/usr/bin/env python3
"""Rules of src/core that a compiler does not check (docs/architecture.md).

tiers        every file of src/core has a tier in docs/architecture.md's
             table, and includes only headers of its own tier or lower
cycles       no include cycle between modules (a module is NAME.c + NAME.h)
error-domain no GLib/GIO/json-glib call fills a function's own GError **error:
             a foreign error is wrapped into BVM_ERROR with what BridgeVM was
             doing (STYLE.md, Errors)
one-line     no error message is split across source lines (greppable)
names        a public function of NAME.c is bvm_NAME_* or named for a type
             NAME.h or NAME.c defines (util.c's helpers and the exceptions
             listed in docs/architecture.md aside)

Usage: check-core.py SOURCE_ROOT. Prints TAP; names each offence.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
CORE = os.path.join(ROOT, "src", "core")
DOC = os.path.join(ROOT, "docs", "architecture.md")

results = []


def check(name, problems):
    results.append((name, problems))


def core_files():
    return sorted(f for f in os.listdir(CORE) if f.endswith((".c", ".h")))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_comments(text):
    """Comments out, string literals kept (line numbers kept too)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# The table ----------------------------------------------------------------
def read_tiers():
    """{name: (tier, generated)} from the table between the tier markers."""
    text = read(DOC)
    m = re.search(r"<!-- tiers: begin -->(.*?)<!-- tiers: end -->", text, re.S)
    if m is None:
        sys.exit(f"Bail out! {DOC} has no <!-- tiers: begin --> ... <!-- tiers: end --> table")
    tiers = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.match(r"^\d+\b", cells[1]):
            continue
        tier = int(re.match(r"^(\d+)", cells[1]).group(1))
        for name in re.findall(r"`([^`]+)`", cells[0]):
            tiers[name] = (tier, "generated" in cells[0])
    return tiers


TIERS = read_tiers()


def tier_of(filename):
    """A row for the file itself wins over the row for its module."""
    if filename in TIERS:
        return TIERS[filename][0]
    stem = filename.rsplit(".", 1)[0]
    if stem in TIERS:
        return TIERS[stem][0]
    return None


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(filename):
    text = read(os.path.join(CORE, filename))
    for m in INCLUDE.finditer(text):
        yield text.count("\n", 0, m.start()) + 1, m.group(1)


def check_tiers():
    problems = []
    files = core_files()
    for f in files:
        if tier_of(f) is None:
            problems.append(f"src/core/{f} has no tier: add a row to the table in docs/architecture.md")
    names = set(files) | {f.rsplit(".", 1)[0] for f in files}
    for name, (_, generated) in sorted(TIERS.items()):
        if name not in names and not generated:
            problems.append(f"docs/architecture.md lists `{name}`, which is not in src/core: remove the row")
    for f in files:
        mine = tier_of(f)
        if mine is None:
            continue
        for line, inc in includes(f):
            theirs = tier_of(inc)
            if theirs is None:
                if inc not in TIERS:
                    problems.append(f"src/core/{f}:{line} includes \"{inc}\", which is not a header of src/core (core depends on GLib only)")
                continue
            if theirs > mine:
                problems.append(f"src/core/{f}:{line} (tier {mine}) includes \"{inc}\" (tier {theirs}): a tier may include only its own or lower tiers")
    check("tiers: each file of src/core includes only its own tier or lower", problems)


def check_cycles():
    graph = {}
    for f in core_files():
        mod = f.rsplit(".", 1)[0]
        for _, inc in includes(f):
            dep = inc.rsplit(".", 1)[0]
            if dep != mod and os.path.exists(os.path.join(CORE, inc)):
                graph.setdefault(mod, set()).add(dep)
    problems, state, stack = [], {}, []

    def visit(mod):
        state[mod] = "open"
        stack.append(mod)
        for dep in sorted(graph.get(mod, ())):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep) :] + [dep]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[mod] = "done"

    for mod in sorted(graph):
        if mod not in state:
            visit(mod)
    check("cycles: no include cycle between modules of src/core", problems)


# Errors -------------------------------------------------------------------
def calls(text, pattern):
    """(offset, name, whole call text) for each call matching @pattern."""
    for m in re.finditer(pattern, text):
        i, depth = m.end(), 1
        while depth and i < len(text):
            ch = text[i]
            if ch in "\"'":
                i += 1
                while i < len(text) and text[i] != ch:
                    i += 2 if text[i] == "\\" else 1
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        yield m.start(), m.group(1), text[m.start() : i]


# Calls that fill or test an error on purpose.
ERROR_API = re.compile(
    r"^(g_set_error|g_set_error_literal|g_prefix_error|g_prefix_error_literal|g_propagate_error|"
    r"g_propagate_prefixed_error|g_clear_error|g_error_\w+|g_return_\w+|g_task_return_error)$"
)


def check_error_domain():
    problems = []
    for f in core_files():
        if not f.endswith(".c"):
            continue
        text = strip_comments(read(os.path.join(CORE, f)))
        for pos, name, call in calls(text, r"\b((?:g|json|soup)_\w+)\s*\("):
            if ERROR_API.match(name):
                continue
            if re.search(r",\s*error\s*\)$", call):
                line = text.count("\n", 0, pos) + 1
                problems.append(f"src/core/{f}:{line}: {name}() fills the caller's GError with its own domain: pass a local GError and wrap it into BVM_ERROR with what BridgeVM was doing")
    check("error-domain: no GLib error reaches a caller of src/core unwrapped", problems)


def check_one_line():
    problems = []
    setters = r"\b(g_set_error|g_set_error_literal|g_prefix_error|g_propagate_prefixed_error|bvm_virt_fail|bvm_virt_fail_errno)\s*\("
    for sub in ("core", "cli", "server", "app", "libvirt"):
        d = os.path.join(ROOT, "src", sub)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith((".c", ".h")):
                continue
            text = strip_comments(read(os.path.join(d, f)))
            for pos, name, call in calls(text, setters):
                if re.search(r'"\s*\n\s*"', call):
                    line = text.count("\n", 0, pos) + 1
                    problems.append(f"src/{sub}/{f}:{line}: the message of {name}() is split across lines: join it (BreakStringLiterals is off)")
    check("one-line: every error message is one line in the source", problems)


# Names --------------------------------------------------------------------
def read_name_exceptions():
    text = read(DOC)
    m = re.search(r"<!-- names-exceptions: begin -->(.*?)<!-- names-exceptions: end -->", text, re.S)
    return set(re.findall(r"`(bvm_\w+)`", m.group(1))) if m else set()


def snake(camel):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).lower()


DEFINITION = re.compile(r"^(?!static\b)[A-Za-z][\w \t\*]*?\b(bvm_\w+)\s*\([^;{]*?\)\s*\n\{", re.M)
TYPEDEF = re.compile(r"\}\s*(Bvm\w+)\s*;|typedef\s+[\w\s\*]+?\b(Bvm\w+)\s*;")


def check_names():
    exceptions = read_name_exceptions()
    problems, seen = [], set()
    for f in core_files():
        if not f.endswith(".c") or f == "util.c":
            continue
        stem = f[:-2]
        types = set()
        for src in (f, stem + ".h"):
            path = os.path.join(CORE, src)
            if os.path.exists(path):
                for m in TYPEDEF.finditer(strip_comments(read(path))):
                    types.add(snake((m.group(1) or m.group(2))[3:]))
        flat = {stem.replace("_", ""), stem.rstrip("s").replace("_", "")}
        flat |= {t.replace("_", "") for t in types}
        text = strip_comments(read(os.path.join(CORE, f)))
        for m in DEFINITION.finditer(text):
            name = m.group(1)
            words = name[len("bvm_") :].split("_")
            ok = any("".join(words[:k]) in flat for k in range(1, len(words)))
            if name in exceptions:
                seen.add(name)
                if ok:
                    problems.append(f"{name} in src/core/{f} follows the rule now: remove it from the exceptions in docs/architecture.md")
                continue
            if not ok:
                line = text.count("\n", 0, m.start(1)) + 1
                problems.append(f"src/core/{f}:{line}: {name} is named for neither {f} nor a type it defines: call it bvm_{stem}_...")
    for name in sorted(exceptions - seen):
        problems.append(f"docs/architecture.md lists {name} as an exception, but no file of src/core defines it: remove it")
    check("names: public functions are named for their file or its types", problems)


check_tiers()
check_cycles()
check_error_domain()
check_one_line()
check_names()

print(f"1..{len(results)}")
failed = 0
for n, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {n} - {name}")
    for p in problems:
        print(f"# {p}")
    failed += bool(problems)
sys.exit(1 if failed else 0)
