#!/usr/bin/env python3
"""Generate crates/vnetlab-az/spec/commands.json, vnetlab's az 2.91 command table.

Input 1 is the dump of every flag of 65 commands taken from the real azure-cli 2.91.0
(`az-cli-captures/az-2.91-args.json`; its path is the optional first argument, default
`../shared/az-cli-captures/az-2.91-args.json` relative to the repository root).
Input 2 is `tools/az_spec_extra.json`, the hand-authored part: summaries and examples for
every command and group, corrections to dumped rows, and the commands the dump lacks.

What this script derives (see crates/vnetlab-az/src/args/spec.rs for the consumer):
  * `kind` of every argument (aaz_bool, three_state, switch, enum, int, list, kv, str);
  * `--ids` support ("Resource Id Arguments"), mirroring azure-cli's `register_ids_argument`:
    every command that is not a `create` and has a name argument with an id_part; the id-part
    arguments (-g, -n and parent names) stop being required at parse time;
  * the "Global Policy Arguments" (`--change-reference`, `--acquire-policy-token`) that
    azure-cli's `register_global_policy_argument` adds to every command but `list`/`show`.
Global arguments (--output, --query, --subscription, ...) are not in the table: every command
has them, and the parser adds them itself.

Run: python3 tools/gen_az_spec.py [path/to/az-2.91-args.json]
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMP = ROOT / ".." / "shared" / "az-cli-captures" / "az-2.91-args.json"
EXTRA = ROOT / "tools" / "az_spec_extra.json"
OUT = ROOT / "crates" / "vnetlab-az" / "spec" / "commands.json"

BOOL_WORDS = ["true", "t", "yes", "y", "1", "false", "f", "no", "n", "0"]
TRUE_WORDS = BOOL_WORDS[:5]

# Option strings of the arguments whose values come from a resource id (`id_part` in
# azure-cli): with `--ids` they are not required at parse time.
ID_PART_OPTIONS = {
    "-g", "--resource-group", "-n", "--name", "--vnet-name", "--nsg-name",
    "--route-table-name", "--nic-name", "-z", "--zone-name",
}

# Commands whose last word is not `create`/`list` but that have no resource-id arguments.
NO_IDS_PREFIXES = ("group ", "account ", "network watcher ")
# Commands named `list` that nevertheless take `--ids` (custom commands whose parent-name
# argument has an id_part).
IDS_LIST_COMMANDS = {"network nsg rule list"}

IDS_HELP = (
    "One or more resource IDs (space-delimited). It should be a complete resource ID containing "
    "all information of 'Resource Id' arguments. You should provide either --ids or other "
    "'Resource Id' arguments."
)
POLICY_ARGS = [
    {
        "opts": ["--change-reference"],
        "dest": "change_reference",
        "kind": "str",
        "group": "Global Policy",
        "help": "The related change reference ID for this resource operation",
    },
    {
        "opts": ["--acquire-policy-token"],
        "dest": "acquire_policy_token",
        "kind": "switch",
        "nargs": 0,
        "group": "Global Policy",
        "help": "Acquiring an Azure Policy token automatically for this resource operation",
    },
]

KINDS = {"aaz_bool", "three_state", "switch", "enum", "int", "list", "kv", "str"}


def fail(msg):
    sys.exit(f"gen_az_spec: {msg}")


def clean_value(value):
    """Drops Python object reprs ('<function ...>', '<... object at 0x...>') from the dump."""
    if isinstance(value, str) and value.startswith("<") and (" at 0x" in value or value.startswith("<function")):
        return None
    return value


def derive_kind(row):
    """The argument kind, from the argparse action, nargs, choices and the AAZ type."""
    aaz = row.get("aaz") or {}
    aaz_type = aaz.get("type")
    action = row["action"][0]
    nargs = row["nargs"]
    choices = row["choices"]
    if nargs == 0:
        return "switch"
    if aaz_type in ("AAZBoolArg", "AAZGenericUpdateForceStringArg"):
        return "aaz_bool"
    if action == "ThreeStateAction":
        return "three_state"
    if choices:
        return "enum"
    if aaz_type in ("AAZIntArg", "AAZPaginationLimitArg"):
        return "int"
    if aaz_type == "AAZDictArg" or row["dest"] == "tags":
        return "kv"
    if nargs in ("+", "*") or isinstance(nargs, int):
        return "list"
    if isinstance(clean_value(row["default"]), int) and not isinstance(row["default"], bool):
        return "int"
    return "str"


def convert_row(row):
    """One dumped argparse row -> one compact argument spec (None for hidden rows)."""
    if row.get("hidden"):
        return None
    aaz = row.get("aaz") or {}
    kind = derive_kind(row)
    arg = {"opts": row["opts"], "dest": row["dest"], "kind": kind}
    if row["required"]:
        arg["required"] = True
    if row["nargs"] is not None:
        arg["nargs"] = row["nargs"]
    default = clean_value(row["default"])
    if default is not None:
        arg["default"] = default
    const = clean_value(row["const"])
    if const is not None and kind not in ("switch",):
        arg["const"] = const
    if row["choices"]:
        arg["choices"] = row["choices"]
        blank = aaz.get("blank")
        # AAZ string args spelled as booleans (`--disable-private-endpoint-network-policies`):
        # the AAZ enum maps the bool words onto Disabled/Enabled, blank = Disabled.
        if kind == "enum" and row["choices"] == BOOL_WORDS and blank == "Disabled":
            arg["values"] = ["Disabled" if w in TRUE_WORDS else "Enabled" for w in BOOL_WORDS]
    blank = aaz.get("blank")
    if blank is not None and kind not in ("aaz_bool",) and not isinstance(blank, bool):
        arg["blank"] = blank
    if aaz.get("nullable"):
        arg["nullable"] = True
    if aaz:
        arg["aaz"] = True
    if row.get("arg_group"):
        arg["group"] = row["arg_group"]
    if row.get("configured_default"):
        arg["configured_default"] = row["configured_default"]
    if row["action"][0] == "PreviewArgumentAction":
        arg["preview"] = True
    if row["action"][0] in ("DeprecatedOptionAction", "DeprecatedArgumentAction"):
        arg["deprecated"] = True
    arg["help"] = row.get("help") or ""
    return arg


def find_row(dump, ref):
    """Resolves '@<command>|<option>' to the converted dump row."""
    name, _, opt = ref[1:].partition("|")
    if name not in dump:
        fail(f"reference to unknown dumped command {name!r}")
    for row in dump[name]["rows"]:
        if opt in row["opts"]:
            return convert_row(row)
    fail(f"no option {opt!r} in dumped command {name!r}")


def normalise_authored(arg):
    """Fills the fields a hand-authored argument may omit."""
    arg = dict(arg)
    kind = arg.get("kind")
    if kind not in KINDS:
        fail(f"bad kind {kind!r} in {arg}")
    if "nargs" not in arg:
        arg["nargs"] = {"aaz_bool": "?", "three_state": "?", "switch": 0, "list": "+", "kv": "+"}.get(kind)
        if arg["nargs"] is None:
            del arg["nargs"]
    if kind == "aaz_bool":
        arg.setdefault("choices", BOOL_WORDS)
        arg["aaz"] = True
    if kind == "three_state":
        arg.setdefault("choices", ["true", "false"])
    arg.setdefault("help", "")
    arg["authored"] = True
    return arg


def expand_args(items, dump, templates):
    out = []
    for item in items:
        if isinstance(item, str) and item.startswith("@@"):
            name = item[2:]
            if name not in templates:
                fail(f"unknown template {name!r}")
            out.extend(expand_args(templates[name], dump, templates))
        elif isinstance(item, str) and item.startswith("@"):
            out.append(find_row(dump, item))
        elif isinstance(item, dict):
            out.append(normalise_authored(item))
        else:
            fail(f"bad argument entry {item!r}")
    return out


def has_ids(name, args):
    verb = name.split()[-1]
    if name.startswith(NO_IDS_PREFIXES):
        return False
    if name in IDS_LIST_COMMANDS:
        return True
    if verb in ("create", "list"):
        return False
    return any(set(a["opts"]) & {"-n", "--name"} for a in args)


def finish_command(name, cmd, help_entry):
    """Adds --ids, the policy arguments, help texts; validates."""
    args = cmd["args"]
    dests = [a["dest"] for a in args]
    if len(dests) != len(set(dests)):
        fail(f"{name}: duplicate dest in {dests}")
    opts = [o for a in args for o in a["opts"]]
    if len(opts) != len(set(opts)):
        fail(f"{name}: duplicate option in {opts}")
    cmd["ids"] = has_ids(name, args)
    if cmd["ids"]:
        for a in args:
            if set(a["opts"]) & ID_PART_OPTIONS:
                a["id_part"] = True
                a["group"] = "Resource Id"
        args.append({"opts": ["--ids"], "dest": "ids", "kind": "list", "nargs": "+",
                     "group": "Resource Id", "help": IDS_HELP})
    if name.split()[-1] not in ("list", "show"):
        args.extend(dict(a) for a in POLICY_ARGS)
    if not help_entry or not help_entry.get("summary") or not help_entry.get("examples"):
        fail(f"{name}: no summary/examples in az_spec_extra.json 'help'")
    cmd["summary"] = help_entry["summary"]
    if help_entry.get("long_summary"):
        cmd["long_summary"] = help_entry["long_summary"]
    cmd["examples"] = [{"name": n, "text": t} for n, t in help_entry["examples"]]
    for ex in cmd["examples"]:
        if not ex["text"].startswith(f"az {name}"):
            fail(f"{name}: example does not start with the command: {ex['text']}")
    return cmd


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(table):
    """Compact JSON with one group, command or argument per line (readable diffs)."""
    lines = ["{"]
    for key in ("_generated", "az_version"):
        lines.append(f" {compact(key)}:{compact(table[key])},")
    lines.append(' "groups":[')
    lines.append(",\n".join("  " + compact(g) for g in table["groups"]))
    lines.append(" ],")
    lines.append(' "commands":[')
    cmds = []
    for cmd in table["commands"]:
        head = {k: v for k, v in cmd.items() if k != "args"}
        body = compact(head)[:-1] + ',"args":['
        args = ",\n".join("   " + compact(a) for a in cmd["args"])
        cmds.append("  " + body + ("\n" + args + "\n  ]}" if args else "]}"))
    lines.append(",\n".join(cmds))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    dump_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DUMP
    dump = json.loads(dump_path.read_text())
    extra = json.loads(EXTRA.read_text())
    templates = extra["templates"]

    commands = {}
    for name, entry in dump.items():
        cmd = {
            "name": name,
            "aaz": any("aaz" in r for r in entry["rows"]),
            "authored": False,
            "table_transformer": entry["table_transformer"] is not None,
            "transform": entry["transform"] is not None,
            "confirmation": bool(entry["confirmation"]),
            "supports_no_wait": bool(entry["supports_no_wait"]),
            "args": [a for a in (convert_row(r) for r in entry["rows"]) if a],
        }
        commands[name] = cmd

    for name, ov in extra["overrides"].items():
        cmd = commands.get(name) or fail(f"override for unknown command {name!r}")
        if "replace_args" in ov:
            cmd["args"] = expand_args(ov["replace_args"], dump, templates)
        for opt, fields in ov.get("args", {}).items():
            arg = next((a for a in cmd["args"] if opt in a["opts"]), None) or fail(f"{name}: no {opt}")
            arg.update(fields)
        for key in ("table_transformer_query", "preview"):
            if key in ov:
                cmd[key] = ov[key]
        if "table_transformer_query" in ov:
            cmd["table_transformer"] = True

    for name, spec in extra["commands"].items():
        if name in commands:
            fail(f"hand-authored command {name!r} is already in the dump")
        args = expand_args(spec["args"], dump, templates)
        aaz = spec.get("aaz", True)
        if aaz:
            # Arguments of AAZ commands are AAZ arguments (`null`, int and blank rules).
            for arg in args:
                arg["aaz"] = True
        commands[name] = {
            "name": name,
            "aaz": aaz,
            "authored": True,
            "table_transformer": bool(spec.get("table_transformer_query")),
            "transform": False,
            "confirmation": spec.get("confirmation", False),
            "supports_no_wait": spec.get("supports_no_wait", False),
            "args": args,
        }
        if spec.get("table_transformer_query"):
            commands[name]["table_transformer_query"] = spec["table_transformer_query"]

    help_map = extra["help"]
    out_commands = [finish_command(n, commands[n], help_map.get(n)) for n in sorted(commands)]
    unused = set(help_map) - set(commands)
    if unused:
        fail(f"help entries for unknown commands: {sorted(unused)}")

    groups = set()
    for name in commands:
        words = name.split()
        for i in range(1, len(words)):
            groups.add(" ".join(words[:i]))
    out_groups = []
    for g in sorted(groups):
        entry = extra["groups"].get(g) or fail(f"group {g!r} has no summary")
        item = {"name": g, "summary": entry["summary"]}
        if entry.get("long_summary"):
            item["long_summary"] = entry["long_summary"]
        item["examples"] = [{"name": n, "text": t} for n, t in entry.get("examples", [])]
        out_groups.append(item)

    table = {
        "_generated": "by tools/gen_az_spec.py from az-2.91-args.json and tools/az_spec_extra.json; do not edit",
        "az_version": "2.91.0",
        "groups": out_groups,
        "commands": out_commands,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = render(table)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(out_commands)} commands, {len(out_groups)} groups")


if __name__ == "__main__":
    main()
