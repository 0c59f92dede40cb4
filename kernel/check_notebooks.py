"""Checks executed notebooks (run by kernel/run-notebook-tests.sh with /usr/bin/python3; stdlib only).

  check_notebooks.py outputs NB.ipynb...      no error outputs; cell tags hold:
      expect-png            the cell shows an image/png
      expect-html           the cell shows text/html
      expect-output:TEXT    some text/plain or stream output of the cell contains TEXT
    and a notebook with any chart or table cell must show at least one image/png / text/html.
  check_notebooks.py same RUN1.ipynb RUN2.ipynb
      both runs printed the same text (text/plain and stdout), cell by cell; cells tagged
      "nondeterministic" (timings) are skipped.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def text(value):
    return "".join(value) if isinstance(value, list) else value


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def name(cell, index):
    return cell.get("id") or "cell %d" % index


def check_outputs(path):
    problems = []
    nb = load(path)
    seen = set()
    for i, cell in enumerate(code_cells(nb), 1):
        types, texts = set(), []
        for out in cell.get("outputs", []):
            kind = out["output_type"]
            if kind == "error":
                problems.append("%s: %s raised %s: %s" % (path, name(cell, i), out.get("ename"), out.get("evalue")))
            elif kind == "stream":
                texts.append(text(out["text"]))
            else:
                data = out.get("data", {})
                types.update(data)
                if "text/plain" in data:
                    texts.append(text(data["text/plain"]))
        seen |= types
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag == "expect-png" and "image/png" not in types:
                problems.append("%s: %s should show a chart or image (image/png), got %s" % (path, name(cell, i), sorted(types)))
            elif tag == "expect-html" and "text/html" not in types:
                problems.append("%s: %s should show a table (text/html), got %s" % (path, name(cell, i), sorted(types)))
            elif tag.startswith("expect-output:") and not any(tag[len("expect-output:"):] in t for t in texts):
                problems.append("%s: %s should print %r, printed %r" % (path, name(cell, i), tag[len("expect-output:"):], texts))
    source = "\n".join(text(c["source"]) for c in code_cells(nb))
    if any(k in source for k in ("Chart", "plot")) and "image/png" not in seen:
        problems.append("%s: the notebook draws charts but no image/png came back" % path)
    if "Table" in source and "text/html" not in seen:
        problems.append("%s: the notebook builds tables but no text/html came back" % path)
    return problems


def printed(nb):
    result = []
    for i, cell in enumerate(code_cells(nb), 1):
        if "nondeterministic" in cell.get("metadata", {}).get("tags", []):
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream" and out.get("name") == "stdout":
                texts.append(text(out["text"]))
            elif "text/plain" in out.get("data", {}):
                texts.append(text(out["data"]["text/plain"]))
        result.append((name(cell, i), texts))
    return result


def check_same(first, second):
    a, b = printed(load(first)), printed(load(second))
    if len(a) != len(b):
        return ["%s and %s have different cells" % (first, second)]
    return ["%s: %s printed %r on the first run but %r on the second" % (first, ca, ta, tb)
            for (ca, ta), (_, tb) in zip(a, b) if ta != tb]


def main(args):
    if len(args) >= 1 and args[0] == "outputs":
        problems = [p for path in args[1:] for p in check_outputs(path)]
    elif len(args) == 3 and args[0] == "same":
        problems = check_same(args[1], args[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print("FAIL " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
