"""Regenerates pycases.json: expected az output computed by the real Python libraries.

Run with PyYAML 6, jmespath 1.1.0, tabulate 0.10.0 and knack installed:
    python3 -m venv /tmp/pyenv && /tmp/pyenv/bin/pip install pyyaml jmespath==1.1.0 tabulate==0.10.0 knack
    /tmp/pyenv/bin/python gen_pycases.py > pycases.json

Each case runs az's output pipeline (azure-cli `handle_exception` for query errors,
knack's formatters, python-jmespath with `Options(dict_cls=OrderedDict)`). Inputs are
given to Python with sorted keys: a command result's own key order is the lead's business,
and the Rust `Query::search` contract is that non-hash objects come back sorted.
"""
import collections
import json
import sys

import jmespath
from jmespath.exceptions import JMESPathError
from knack.output import format_json, format_table, format_tsv, format_yaml
from knack.util import CLIError, CommandResultItem

HELP = "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'"
FORMATTERS = {"json": format_json, "yaml": format_yaml, "table": format_table, "tsv": format_tsv}


def run(data, fmt, query):
    result = json.loads(json.dumps(data, sort_keys=True))
    if query is not None:
        try:
            compiled = jmespath.compile(query)
        except (ValueError, KeyError):
            return {"exit": 2, "stdout": "", "stderr": "ERROR: argument --query: invalid jmespath_type value: %r\n%s\n" % (query, HELP)}
        try:
            result = compiled.search(result, jmespath.Options(collections.OrderedDict))
        except JMESPathError as ex:
            return {"exit": 1, "stdout": "", "stderr": "ERROR: Invalid jmespath query supplied for `--query`: %s\n%s\n" % (ex, HELP)}
        except Exception as ex:  # az: "The command failed with an unexpected error"
            return {"exit": 1, "stdout": "", "stderr": None, "python_exception": "%s: %s" % (type(ex).__name__, ex)}
    if result is None:
        return {"exit": 0, "stdout": "", "stderr": ""}
    item = CommandResultItem(result, table_transformer=None, is_query_active=query is not None)
    try:
        out = FORMATTERS[fmt](item)
    except CLIError as ex:
        return {"exit": 1, "stdout": "", "stderr": "ERROR: %s\n" % ex}
    except Exception as ex:  # e.g. an `&expression` as the result: not printable
        return {"exit": 1, "stdout": "", "stderr": None, "python_exception": "%s: %s" % (type(ex).__name__, ex)}
    return {"exit": 0, "stdout": out, "stderr": ""}


VNET = {
    "name": "v1", "location": "eastus", "enableDdosProtection": False, "etag": 'W/"e1"',
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1",
    "type": "Microsoft.Network/virtualNetworks", "addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]},
    "subnets": [
        {"name": "a", "addressPrefix": "10.0.0.0/24", "priority": 300, "weight": 1.5},
        {"name": "b", "addressPrefix": "10.0.1.0/24", "priority": 100, "weight": 2},
        {"name": "c", "addressPrefixes": ["10.0.2.0/24"], "priority": 200, "weight": 0.25},
    ],
    "tags": {"env": "dev", "Owner": "me", "zeta": ""},
}
NUMS = {"ints": [3, 1, 2], "floats": [1.5, 0.25, 2.0], "mixed": [1, 2.5], "empty": [], "strs": ["b", "a", "C"],
        "big": 12345678901234567890, "neg": -7, "f": -3.7, "zero": 0, "one": 1, "t": True, "fl": False,
        "s": "abc", "n": None, "nested": [[1, 2], [3, [4, 5]], 6], "objs": [{"k": 2, "v": "x"}, {"k": 1, "v": "y"}]}

DEEP = {"foo": {"a": {"bar": {"baz": 1}}, "b": {"bar": {"baz": 2}}}, "l": [[1, [2, 3]], [4]],
        "vms": [{"name": "vm1", "os": "linux"}, {"name": "vm2", "os": "windows"}]}

QUERY_CASES = [
    # (input, query, formats)
    (VNET, "name", ["json", "tsv", "table", "yaml"]),
    (VNET, "subnets[].{Name:name, Prefix:addressPrefix, P:priority}", ["json", "tsv", "table", "yaml"]),
    (VNET, "{z:name, a:location, m:subnets[0].name, n:doesNotExist}", ["json", "tsv", "table", "yaml"]),
    (VNET, "subnets[?priority > `150`].name", ["json", "tsv"]),
    (VNET, "subnets[?priority >= `200`] | [0].name", ["json"]),
    (VNET, "subnets[?name=='b'].addressPrefix | [0]", ["json", "tsv"]),
    (VNET, "subnets[?name==`b`].addressPrefix", ["json"]),
    (VNET, "subnets[?name==`\"c\"`].addressPrefixes[]", ["json"]),
    (VNET, "subnets[?addressPrefix].name", ["json"]),
    (VNET, "subnets[?!addressPrefix].name", ["json"]),
    (VNET, "subnets[?name!='a' && priority < `250`].name", ["json"]),
    (VNET, "subnets[?name=='a' || priority == `200`].name", ["json"]),
    (VNET, "subnets[*].addressPrefixes", ["json", "tsv"]),
    (VNET, "subnets[].addressPrefixes[]", ["json"]),
    (VNET, "subnets[0:2].name", ["json"]),
    (VNET, "subnets[::-1].name", ["json"]),
    (VNET, "subnets[-1].name", ["json"]),
    (VNET, "subnets[5]", ["json"]),
    (VNET, "subnets[1:].{n: name}", ["json", "tsv"]),
    (VNET, "tags.*", ["json"]),
    (VNET, "keys(tags)", ["json"]),
    (VNET, "values(tags)", ["json", "tsv"]),
    (VNET, "tags", ["tsv", "table", "yaml"]),
    (VNET, "length(subnets)", ["json", "tsv", "table"]),
    (VNET, "length(name)", ["json"]),
    (VNET, "length(tags)", ["json"]),
    (VNET, "sort_by(subnets, &priority)[].name", ["json"]),
    (VNET, "sort_by(subnets, &name)[].{n:name, p:priority}", ["json", "tsv", "table"]),
    (VNET, "max_by(subnets, &priority).name", ["json"]),
    (VNET, "min_by(subnets, &weight).name", ["json"]),
    (VNET, "sum(subnets[].priority)", ["json", "tsv"]),
    (VNET, "sum(subnets[].weight)", ["json"]),
    (VNET, "avg(subnets[].priority)", ["json", "table"]),
    (VNET, "max(subnets[].priority)", ["json"]),
    (VNET, "min(subnets[].name)", ["json"]),
    (VNET, "map(&name, subnets)", ["json"]),
    (VNET, "map(&addressPrefix, subnets)", ["json", "tsv"]),
    (VNET, "join(', ', subnets[].name)", ["json"]),
    (VNET, "contains(subnets[].name, 'b')", ["json", "tsv"]),
    (VNET, "contains(name, 'v')", ["json"]),
    (VNET, "starts_with(id, '/subscriptions')", ["json"]),
    (VNET, "ends_with(name, '1')", ["json"]),
    (VNET, "to_string(subnets[0])", ["json"]),
    (VNET, "to_string(`{\"b\": \"\u00e9\", \"a\": [1, 2.5, null, true]}`)", ["json"]),
    (VNET, "to_string(name)", ["json"]),
    (VNET, "to_array(name)", ["json"]),
    (VNET, "to_array(subnets[].name)", ["json"]),
    (VNET, "type(tags)", ["json"]),
    (VNET, "not_null(doesNotExist, name)", ["json"]),
    (VNET, "reverse(name)", ["json"]),
    (VNET, "reverse(subnets[].name)", ["json"]),
    (VNET, "merge(tags, `{\"a\": 1}`)", ["json", "tsv", "table"]),
    (VNET, "[name, location, `null`, `1.5`, `2`, enableDdosProtection, addressSpace.addressPrefixes, {a: name}]", ["json", "tsv", "table", "yaml"]),
    (VNET, "[subnets[].name, subnets[].priority]", ["table", "tsv"]),
    (VNET, "subnets[].[name, addressPrefix, priority, weight]", ["table", "tsv"]),
    (VNET, "subnets[].{n:name, s:tags, p:addressPrefixes}", ["table", "tsv"]),
    (VNET, "subnets[0]", ["table", "tsv"]),
    (VNET, "@", ["tsv"]),
    (VNET, "'raw string'", ["json"]),
    (VNET, "'it''s'", ["json"]),
    (VNET, "`\"lit\"`", ["json"]),
    (VNET, "`[1, 2]`", ["json"]),
    (VNET, "`true`", ["tsv", "table"]),
    (VNET, "`false`", ["json", "yaml"]),
    (VNET, "enableDdosProtection == `false`", ["json"]),
    (NUMS, "ints", ["json", "tsv", "table"]),
    (NUMS, "sort(ints)", ["json"]),
    (NUMS, "sort(strs)", ["json"]),
    (NUMS, "sum(ints)", ["json"]),
    (NUMS, "sum(floats)", ["json"]),
    (NUMS, "sum(mixed)", ["json"]),
    (NUMS, "sum(empty)", ["json"]),
    (NUMS, "avg(ints)", ["json"]),
    (NUMS, "avg(empty)", ["json"]),
    (NUMS, "max(floats)", ["json"]),
    (NUMS, "max(empty)", ["json"]),
    (NUMS, "min(mixed)", ["json"]),
    (NUMS, "abs(neg)", ["json"]),
    (NUMS, "abs(f)", ["json"]),
    (NUMS, "ceil(f)", ["json"]),
    (NUMS, "floor(f)", ["json"]),
    (NUMS, "ceil(`1.0`)", ["json"]),
    (NUMS, "big", ["json", "tsv"]),
    (NUMS, "to_number('42')", ["json"]),
    (NUMS, "to_number(' 1_000 ')", ["json"]),
    (NUMS, "to_number('1.50')", ["json"]),
    (NUMS, "to_number('1e3')", ["json"]),
    (NUMS, "to_number('abc')", ["json"]),
    (NUMS, "to_number(t)", ["json"]),
    (NUMS, "to_number(f)", ["json"]),
    (NUMS, "zero == fl", ["json"]),
    (NUMS, "one == t", ["json"]),
    (NUMS, "contains([`1`], t)", ["json"]),
    (NUMS, "contains(ints, `1.0`)", ["json"]),
    (NUMS, "ints == `[3, 1, 2.0]`", ["json"]),
    (NUMS, "s < 'b'", ["json"]),
    (NUMS, "one < `1.5`", ["json"]),
    (NUMS, "t < `1`", ["json"]),
    (NUMS, "nested[]", ["json"]),
    (NUMS, "nested[][]", ["json"]),
    (NUMS, "nested", ["tsv", "table"]),
    (NUMS, "objs[*].v", ["json"]),
    (NUMS, "objs[?k > `1`]", ["json", "table"]),
    (NUMS, "objs | [0]", ["yaml"]),
    (NUMS, "n", ["json"]),
    (NUMS, "n.foo", ["json"]),
    (NUMS, "s.foo", ["json"]),
    (NUMS, "s[0]", ["json"]),
    (NUMS, "s[0:1]", ["json"]),
    (NUMS, "*", ["json"]),
    (NUMS, "[n]", ["json"]),
    (NUMS, "{a: n}", ["json", "tsv", "table"]),
    (NUMS, "n.{a: s}", ["json"]),
    (NUMS, "n.[s]", ["json"]),
    (NUMS, "empty", ["json", "tsv", "table", "yaml"]),
    (NUMS, "{}", ["json"]),
    (NUMS, "@.objs[0].k", ["json"]),
    (NUMS, "type(f)", ["json"]),
    (NUMS, "type(n)", ["json"]),
    # python-jmespath's parser shapes
    (DEEP, "foo.*.bar.baz", ["json"]),
    (DEEP, "foo.*.bar", ["json"]),
    (DEEP, "foo.*.bar | [0]", ["json"]),
    (DEEP, "*.*.bar", ["json"]),
    (DEEP, "foo.*[0]", ["json"]),
    (DEEP, "l[0][1:]", ["json"]),
    (DEEP, "l[0][1:][0]", ["json"]),
    (DEEP, "!l[0][1:].x", ["json"]),
    (DEEP, "l[*][0]", ["json"]),
    (DEEP, "l[].[@]", ["json"]),
    (DEEP, "l[-1:]", ["json"]),
    (DEEP, "l[?@[0] > `1`]", ["json"]),
    (DEEP, "l | [1] | [0]", ["json"]),
    (DEEP, "{a: foo.a.bar.baz b: l[1]}", ["json", "tsv"]),
    (DEEP, "(length)(l)", ["json"]),
    (DEEP, "foo.a.bar.{b: baz}", ["json"]),
    (DEEP, "vms[?os=='linux'].name", ["json", "tsv"]),
    (DEEP, "vms[?os==`linux`].name", ["tsv"]),
    (DEEP, "vms[?os==` windows`].name", ["tsv"]),
    (DEEP, "vms[?contains(name, '2')] | [0].name", ["tsv"]),
    (DEEP, "vms[].name | join(', ', @)", ["tsv"]),
    (DEEP, "length(vms[?os!='mac'])", ["tsv"]),
    (DEEP, "`[1,2,3]`[::-1]", ["json"]),
    (DEEP, "`[1,2,3]`[5:]", ["json"]),
    (DEEP, "`[1,2,3]`[-10:2]", ["json"]),
    (DEEP, "`[1,2,3]`[::-2]", ["json"]),
    (DEEP, "`{\"b\": 1, \"a\": 2}`", ["json", "table"]),
    (DEEP, "keys(`{\"b\": 1, \"a\": 2}`)", ["json"]),
    (DEEP, "\"foo\".a", ["json"]),
    (DEEP, "foo.\"a\".bar", ["json"]),
    (DEEP, "f(a b)", ["json"]),
    # runtime errors
    (VNET, "length(name, location)", ["json"]),
    (VNET, "abs(name)", ["json"]),
    (VNET, "length(doesNotExist)", ["json"]),
    (VNET, "sum(subnets[].name)", ["json"]),
    (VNET, "max(tags)", ["json"]),
    (VNET, "nosuchfn(name)", ["json"]),
    (VNET, "not_null()", ["json"]),
    (VNET, "merge()", ["json"]),
    (VNET, "sort_by(subnets, &addressPrefix)", ["json"]),
    (VNET, "sort_by(subnets, &tags)", ["json"]),
    (VNET, "max_by(subnets, &addressPrefixes)", ["json"]),
    (VNET, "join(', ', subnets[].priority)", ["json"]),
    (VNET, "map(name, subnets)", ["json"]),
    (VNET, "starts_with(name)", ["json"]),
    (NUMS, "sort(`[1, \"a\"]`)", ["json"]),
    (NUMS, "max(`[\"a\", 1]`)", ["json"]),
    (NUMS, "sum(`[1, true]`)", ["json"]),
    (NUMS, "avg(`[1, null]`)", ["json"]),
    (NUMS, "abs(t)", ["json"]),
    (NUMS, "keys(ints)", ["json"]),
    (NUMS, "length(`1.5`)", ["json"]),
    # syntax errors
    (VNET, "[?", ["json"]),
    (VNET, "", ["json"]),
    (VNET, "foo[", ["json"]),
    (VNET, "a.", ["json"]),
    (VNET, "{a: b", ["json"]),
    (VNET, "name =", ["json"]),
    (VNET, "[?name=='x'", ["json"]),
    (VNET, "'unterminated", ["json"]),
    (VNET, "`{bad json`", ["json"]),
    (VNET, "foo bar", ["json"]),
    (VNET, "#", ["json"]),
    (VNET, "`1`[::0]", ["json"]),
    (VNET, "a.&b", ["json"]),
    (VNET, "{a: b,}", ["json"]),
    (VNET, "f(a,)", ["json"]),
    (VNET, "\"f\"(a)", ["json"]),
    (VNET, "a[", ["json"]),
    (VNET, "a[1:2:3:4]", ["json"]),
    (VNET, "-", ["json"]),
    (VNET, "a = b", ["json"]),
]

FORMAT_CASES = [
    # (name, input, formats) run without a query
    ("scalar_str", "hello world", ["json", "yaml", "table", "tsv"]),
    ("scalar_int", 42, ["json", "yaml", "table", "tsv"]),
    ("scalar_float", 1.5, ["json", "yaml", "table", "tsv"]),
    ("scalar_true", True, ["json", "yaml", "table", "tsv"]),
    ("scalar_false", False, ["yaml", "tsv"]),
    ("empty_list", [], ["json", "yaml", "table", "tsv"]),
    ("empty_dict", {}, ["json", "yaml", "table", "tsv"]),
    ("list_of_empty", [{}, {}], ["json", "yaml", "table", "tsv"]),
    ("list_of_null", [None, "a", None], ["json", "yaml", "table", "tsv"]),
    ("list_of_lists", [["a", 1, None, True, 1.5], ["b", [1, "x"], {"k": "v"}]], ["json", "yaml", "table", "tsv"]),
    ("floats", {"a": 1e-05, "b": 1e16, "c": 1234567890123456.0, "d": 0.1, "e": -0.0, "f": 1e300, "g": 2.5e-7,
                "h": 100.0, "i": 0.0001, "j": 123456.789, "k": -1.5e-10}, ["json", "yaml", "table", "tsv"]),
    ("ints", {"a": 0, "b": -1, "c": 9007199254740993, "d": 18446744073709551615, "e": -9223372036854775808},
     ["json", "yaml", "table", "tsv"]),
    ("unicode", {"k\u00e9y": "caf\u00e9 \u65e5\u672c \U0001F600", "ctrl": "a\u0001b\u007fc\u0085d", "tab": "a\tb",
                 "quote": "say \"hi\" \\ back", "nbsp": "a\u00a0b", "bom": "\ufeffx", "ls": "a\u2028b"},
     ["json", "yaml", "table", "tsv"]),
    ("key_order", {"b": 1, "a": 2, "B": 3, "\u00e9": 4, "_": 5, "10": 6, "9": 7}, ["json", "yaml", "table", "tsv"]),
    ("table_rows", [
        {"name": "n1", "id": "i", "type": "t", "etag": "e", "count": 3, "ok": True, "ratio": 0.5, "none": None,
         "list": [1], "dict": {"a": 1}, "empty": "", "space": "  padded  "},
        {"name": "n2-longer-name", "extra": "x", "ok": False, "count": 10},
        {"other": "only"},
    ], ["table", "tsv", "yaml", "json"]),
    ("table_capitalize", [{"aB": 1, "Ab": 2, "ab": 3, "\u00dfx": 4, "": 5}], ["table"]),
    ("table_multiline", [{"a": "line1\nline22", "b": "x"}, {"a": "z", "b": "m\nu\nl"}, {"a": "", "b": ""}],
     ["table", "tsv", "yaml", "json"]),
    ("table_cr", [{"a": "x\r\ny", "b": "p\rq"}], ["table"]),
    ("table_wide", [{"name": "\u65e5\u672c\u8a9e", "v": "\u00fc"}], ["table"]),
    ("table_separator", [{"a": "\u0001", "b": "x"}, {"a": "long value", "b": "y"}], ["table"]),
    ("nested_yaml", {"a": [[1, 2], [], [[3]], {"x": []}], "b": {"c": {"d": [{"e": None, "f": [{}]}]}}, "s": [],
                     "o": {}}, ["json", "yaml"]),
    ("yaml_strings", {
        "empty": "", "space": " ", "lead": " x", "trail": "x ", "null": "null", "Null": "Null", "tilde": "~",
        "yes": "yes", "No": "No", "on": "on", "true": "true", "int": "123", "neg": "-12", "octal": "012",
        "bad_octal": "09", "hex": "0x1F", "bin": "0b101", "sexa": "1:20", "sexa_float": "1:20.5", "float": "1.5",
        "exp": "1e5", "exp_dot": "1.0e+5", "dot_only": ".", "dotnum": ".5", "inf": ".inf", "ninf": "-.Inf",
        "nan": ".NaN", "date": "2024-01-02", "ts": "2024-01-02T03:04:05Z", "ts2": "2024-1-2 3:04:05.123 +01:00",
        "ts_bad": "2024-01-02T03:04", "merge": "<<", "eq": "=", "star": "*", "amp": "&a", "bang": "!tag",
        "pct": "%x", "at": "@x", "tick": "`x", "sq": "'x", "dq": "\"x", "brace": "{x", "bracket": "[x",
        "close": "x]", "comma": "a,b", "colon_end": "a:", "colon_sp": "a: b", "colon_mid": "a:b", "q": "?x",
        "q_sp": "? x", "dash": "-", "dash_sp": "- x", "dash_word": "-x", "hash": "#x", "hash_mid": "a#b",
        "hash_sp": "a #b", "pipe": "|x", "gt": ">x", "doc": "---", "doc2": "...x", "url": "https://a.b/c?d=e#f",
        "etag": "W/\"abc\"", "cidr": "10.0.0.0/16", "star_cidr": "*", "wild": "10.0.0.4:*",
        "apos": "it's", "nl": "a\nb", "nl2": "a\n\nb", "nl_end": "a\n", "nl_start": "\na", "sp_nl": "a \nb",
        "nl_sp": "a\n b", "tab": "a\tb", "cr": "a\rb", "uni": "caf\u00e9", "emoji": "\U0001F600", "nel": "a\u0085b",
        "bom": "\ufeff", "del": "a\u007f", "ctl": "\u0007", "nbsp": "a\u00a0b",
    }, ["yaml"]),
    ("yaml_keys", {"": 1, "a\nb": 2, "k" * 130: 3, "true": 4, "123": 5, "a: b": 6, "- x": 7, "x y": 8}, ["yaml", "json"]),
    ("yaml_long", {
        "plain": " ".join(["word"] * 30),
        "plain_long_words": "a" * 70 + " " + "b" * 20 + " " + "c" * 5 + " d",
        "single": "x: " + " ".join(["lorem"] * 25),
        "single_nl": "first line " + "w " * 45 + "\nsecond",
        "double": "tab\t" + " ".join(["ipsum"] * 25),
        "double_sp": "\t" + "a" * 78 + "  " + "b" * 10 + " c",
        "nospace": "x" * 200,
        "list": [" ".join(["item"] * 25)],
        "nested": {"deeper": {"value": " ".join(["deep"] * 25)}},
    }, ["yaml"]),
    ("yaml_root_long", " ".join(["root"] * 30), ["yaml"]),
    ("yaml_root_quoted", "123", ["yaml"]),
    ("yaml_root_multiline", "a\nb", ["yaml"]),
    ("json_escapes", {"s": "\u0000\u0008\u000c\n\r\t\u001f\"\\/\u2028"}, ["json"]),
    ("tsv_nested", [{"b": [1, 2], "a": {"x": 1}, "c": None, "d": True, "e": 1.0}, ["x", [], {}, None, False, 2],
                    "plain", 3, None, True, 1e-05], ["tsv", "table"]),
    ("group", {"id": "/subscriptions/s/resourceGroups/rg1", "location": "eastus", "managedBy": None, "name": "rg1",
               "properties": {"provisioningState": "Succeeded"}, "tags": None, "type": "Microsoft.Resources/resourceGroups"},
     ["json", "yaml", "table", "tsv"]),
]


def main():
    inputs = {"VNET": VNET, "NUMS": NUMS, "DEEP": DEEP}
    cases = []
    for i, (data, query, formats) in enumerate(QUERY_CASES):
        input_name = next(name for name, value in (("VNET", VNET), ("NUMS", NUMS), ("DEEP", DEEP)) if value is data)
        for fmt in formats:
            case = {"name": "q%03d_%s" % (i, fmt), "input": input_name, "format": fmt, "query": query}
            case.update(run(data, fmt, query))
            cases.append(case)
    for name, data, formats in FORMAT_CASES:
        inputs[name] = data
        for fmt in formats:
            case = {"name": "%s_%s" % (name, fmt), "input": name, "format": fmt, "query": None}
            case.update(run(data, fmt, None))
            cases.append(case)
    json.dump({"inputs": inputs, "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
