#!/usr/bin/env python3
"""Checks that README.md and docs/*.md refer to things the repository has today.

Opt-in, not part of `dotnet test` (run it through tests/check-docs.sh). Every backticked span that looks like a code
reference is checked against the tracked sources: file paths, `Type` and `Type.Member` names, test names, command
line flags (against the built host's --help where a span runs the host), settings (`Section:Key`, `EdgeBroker__Key`),
edgebroker.conf keys, HTTP endpoints, $SYS topics of the broker's own; relative markdown links and their #anchors
must resolve. Names of third-party code (.NET, MQTTnet, Kestrel) count as existing when the SDK's or a NuGet
package's assemblies hold them. Prints one line per stale reference and exits 1 when there is any.

Spans that are clearly not code (topics of examples, client IDs, log lines, shell commands of other tools) are not
classified and so not checked: the check looks for references that went stale, not for every word.
"""
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
TEXT_EXTENSIONS = {".cs", ".sh", ".py", ".js", ".html", ".css", ".json", ".csproj", ".nfproj", ".props", ".sln",
                   ".conf", ".service", ".yml", ".yaml", ".txt", ".targets", ""}
# Names and flags of tools the docs show beside EdgeBroker's (mosquitto, curl, perf, systemd, afl++ ...): not ours.
EXTERNAL_FLAGS = {"--data-urlencode", "--no-new-privs",
                  "--env-file", "--ignore-certificate-errors", "--ignore-certificate-errors-spki-list"}


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


FILES = tracked_files()
FILE_SET = set(FILES)
DIR_SET = {str(Path(f).parent) for f in FILES} | {"."}
for d in list(DIR_SET):
    parts = d.split("/")
    for i in range(1, len(parts)):
        DIR_SET.add("/".join(parts[:i]))


def read(path):
    try:
        return (ROOT / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


SOURCES = {f: read(f) for f in FILES
           if Path(f).suffix in TEXT_EXTENSIONS and not f.endswith(".md") and not f.startswith("tests/NanoReferences/")}


def without_comments(code):
    """C# without its comments: a name only a comment still mentions is gone from the code."""
    return re.sub(r"(?<!:)//[^\n]*|/\*.*?\*/", "", code, flags=re.S)


# Strings are kept (a route, a setting's key, a flag are strings; "mqtt://" is not a comment).
CS_SOURCES = {f: without_comments(t) for f, t in SOURCES.items() if f.endswith(".cs")}
SOURCES.update(CS_SOURCES)
ALL_SOURCE_TEXT = "\n".join(SOURCES.values())
SOURCE_WORDS = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ALL_SOURCE_TEXT))

DECLARATION = re.compile(r"\b(?:class|struct|interface|enum|record|delegate\s+\S+)\s+([A-Za-z_][A-Za-z0-9_]*)")
DECLARED_IN = {}
for f, text in CS_SOURCES.items():
    for name in DECLARATION.findall(text):
        DECLARED_IN.setdefault(name, set()).add(f)
    DECLARED_IN.setdefault(Path(f).name.split(".")[0], set()).add(f)


def external_words():
    """Identifiers in the metadata of the SDK's shared framework and of the NuGet packages the projects use."""
    words = set()
    dotnet = Path(os.path.realpath(shutil.which("dotnet") or "/usr/share/dotnet/dotnet")).parent
    dll_dirs = list((dotnet / "shared").glob("*/*"))
    nuget = Path(os.environ.get("NUGET_PACKAGES", Path.home() / ".nuget" / "packages"))
    for package in ("mqttnet", "mqttnet.server", "microsoft.data.sqlite.core", "sqlitepclraw.core",
                    "system.commandline", "microsoft.playwright", "sharpfuzz"):
        dll_dirs.extend(p for p in (nuget / package).glob("*/lib/*"))
    for d in dll_dirs:
        for dll in list(d.glob("*.dll")) + list(d.glob("libcoreclr.so")) + list(d.glob("libclrjit.so")):
            try:
                data = dll.read_bytes()
            except OSError:
                continue
            found = re.findall(rb"[A-Za-z_][A-Za-z0-9_]+", data)
            if dll.suffix == ".so":  # the runtime's settings are UTF-16 strings
                found += [w.replace(b"\0", b"") for w in re.findall(rb"(?:[A-Za-z_]\0){3,}", data)]
            for word in found:
                # The runtime's settings are named with a prefix: TC_CallCountThreshold is CallCountThreshold.
                words.add(word.decode())
                words.update(word.decode().split("_"))
    # The nanoFramework API the firmware compiles against (its stand-ins for the .NET build).
    for f in FILES:
        if f.startswith("tests/NanoReferences/"):
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", read(f)))
    return words


EXTERNAL = external_words()


def help_flags(project_dll):
    """The flags a built program and its subcommands (`config check`, `devices list` ...) list under --help, or None
    when it is not built."""
    if not project_dll.exists():
        return None
    flags = set()
    pending = [[]]
    while pending:
        command = pending.pop()
        out = subprocess.run(["dotnet", str(project_dll), *command, "--help"], capture_output=True, text=True,
                             timeout=60).stdout
        options = out.split("Commands:")[0]
        flags.update(re.findall(r"^\s+(?:-\S+, )*(--[a-z][a-z0-9-]*)", options, re.M))
        if "Commands:" in out:
            pending.extend(command + [name] for name in re.findall(r"^  (\w[\w-]*)\s", out.split("Commands:")[1], re.M))
    return flags


def built(project):
    """The program's newest build (Debug or Release), or a path that does not exist."""
    found = list((ROOT / "host" / project / "bin").glob(f"*/net*/{project}.dll"))
    return max(found, key=lambda dll: dll.stat().st_mtime) if found else Path("/nonexistent")


HOST_FLAGS = help_flags(built("EdgeBroker.Host"))
EMULATOR_FLAGS = help_flags(built("EdgeBroker.Emulator"))

# ---------------------------------------------------------------------------------------------------------------
# Markdown: code spans outside fenced blocks, fenced blocks, links, headings.


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@functools.cache
def anchors(md_path):
    seen = {}
    result = set()
    in_fence = False
    for line in read(md_path).splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        m = None if in_fence else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            result.add(base if n == 0 else f"{base}-{n}")
    return result


HISTORY_MARK = "<!-- check-docs: history below -->"


def scan(md_path):
    """Yields (line number, kind, text): kind is 'span', 'fence' or 'link'. Below HISTORY_MARK (a dated journal whose
    entries name the code as it was at their commit) only links are yielded: rewriting those names would falsify
    the record, and a link must still lead somewhere."""
    in_fence = False
    history = False
    for number, line in enumerate(read(md_path).splitlines(), 1):
        if line.strip() == HISTORY_MARK:
            history = True
            continue
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            if not history:
                yield number, "fence", line
            continue
        without_spans = re.sub(r"`[^`]*`", "", line)
        if not history:
            for span in re.findall(r"`([^`]+)`", line):
                yield number, "span", span
        for target in re.findall(r"\]\(([^)\s]+)\)", without_spans):
            yield number, "link", target


# ---------------------------------------------------------------------------------------------------------------
# One check per kind of reference; each returns a reason when the reference is stale, else None.

TOP_LEVEL = {f.split("/")[0] for f in FILES} | {".ci"}
CODE_EXTENSIONS = r"\.(cs|md|sh|py|json|csproj|nfproj|props|sln|svg|js|html|css|service|conf|txt)$"


@functools.cache
def ignored(path):
    """A build's or a tool's output that .gitignore keeps out (bin/, node_modules/, artifacts/)."""
    return any(subprocess.run(["git", "check-ignore", "-q", "--no-index", p], cwd=ROOT).returncode == 0
               for p in (path, path.rstrip("/") + "/"))


def path_exists(path):
    path = path.rstrip("/")
    return path in FILE_SET or path in DIR_SET or any(path + ext in FILE_SET for ext in (".cs", ".py", ".sh"))


def partial_path_exists(path):
    """`Mqtt/CoreBridge.cs`, `Core.Tests/Flow/InFlightWindowTests`, `EndToEnd/Protocol/WillDelayTests`: a path
    whose first part may be short for a project (EdgeBroker.X, EdgeBroker.X.Tests), the file's extension left out."""
    first, *rest = path.rstrip("/").split("/")
    for candidate in FILE_SET | DIR_SET:
        parts = candidate.split("/")
        for i, part in enumerate(parts):
            if part in (first, f"EdgeBroker.{first}", f"EdgeBroker.{first}.Tests") and ends_as(parts[i + 1:], rest):
                return True
    return False


def ends_as(tail, rest):
    if len(tail) != len(rest):
        return False
    return not rest or tail[:-1] == rest[:-1] and rest[-1] in (tail[-1], re.sub(r"\.(cs|py|sh)$", "", tail[-1]))


PATH_PARTS = {part for f in FILES for part in f.split("/")[:-1]}
PROJECTS = {Path(f).stem for f in FILES if f.endswith((".csproj", ".nfproj"))}
NAMESPACES = set(re.findall(r"^namespace\s+([\w.]+)", ALL_SOURCE_TEXT, re.M))


def check_path(span):
    path = span.split("#")[0].split(":")[0]
    if path.startswith("../shared/"):
        return None  # the team's shared notes live beside the repository, not in it
    if "*" in path or "<" in path or path_exists(path) or ignored(path):
        return None
    from_top = path.split("/")[0] in TOP_LEVEL
    if not from_top and partial_path_exists(path):
        return None
    last = path.split("/")[-1]
    if "." in last and not re.search(CODE_EXTENSIONS, last) and not path.endswith("/"):
        # `Outbound/OutboundQueueLimits.Admits`: a file and one of its members.
        type_name, member = last.split(".", 1)
        return check_path(path.rsplit("/", 1)[0] + "/" + type_name) or check_dotted(f"{type_name}.{member}")
    return "no such file or directory" if from_top else "no file or directory ends so"


@functools.cache
def words_of(path):
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", CS_SOURCES[path]))


def type_exists(name):
    return name in DECLARED_IN or name in EXTERNAL


def member_exists(type_name, member):
    if type_name in DECLARED_IN:
        # A member of our own type: in one of the files that declare it, or inherited/extended from elsewhere.
        if any(member in words_of(f) for f in DECLARED_IN[type_name]):
            return True
        return member in EXTERNAL
    return member in EXTERNAL or member in SOURCE_WORDS


def check_dotted(span):
    """`Type.Member`, `Type.Member()`, `Type.Nested.Member`, `Tests.Test_name`, `Namespace.Type`."""
    name = re.sub(r"\(.*\)$", "", span)
    parts = name.split(".")
    if parts[0] == "EdgeBroker":
        return None if name in PROJECTS or any(n == name or n.startswith(name + ".") for n in NAMESPACES) \
            else "no such namespace or project"
    if parts[0] in ("System", "Microsoft", "MQTTnet"):
        return None if all(p in EXTERNAL or p in SOURCE_WORDS for p in parts) else "not in the SDK or MQTTnet"
    if name.endswith("…"):
        # `SessionTests.Mqtt311_zero_length_client_id_…`: a test named by its start.
        prefix = parts[-1][:-1]
        return None if any(m.startswith(prefix) for m in TEST_METHODS) else "no test begins so"
    if not type_exists(parts[0]):
        return f"no type {parts[0]}"
    owner = parts[0]
    for member in parts[1:]:
        if not member_exists(owner, member):
            return f"{owner} has no {member}"
        owner = member
    return None


def check_word(span):
    """A bare identifier: a type, member, test or constant the sources (or the SDK, MQTTnet) have."""
    name = re.sub(r"\(.*\)$", "", span)
    return None if name in SOURCE_WORDS or name in EXTERNAL else "not in the sources"


METRIC_SOURCES = "\n".join(t for f, t in SOURCES.items() if f.startswith(("host/", "firmware/")))


def check_metric(span):
    """`edgebroker_publish_dropped_total`: the host names its Prometheus metrics without the prefix."""
    name = re.sub(r"\{.*$", "", span)
    bare = name[len("edgebroker_"):]
    bases = {bare, re.sub(r"_(bucket|sum|count)$", "", bare)}
    return None if any(f'"{b}"' in METRIC_SOURCES or f'"{name}"' in METRIC_SOURCES for b in bases) \
        else "no such metric in the host's sources"


TEST_METHODS = set(re.findall(r"\b(\w+)\s*\(", "\n".join(t for f, t in CS_SOURCES.items() if f.startswith("tests/"))))


def check_file_name(name):
    return None if name in ALL_SOURCE_TEXT or any(Path(f).name == name for f in FILES) else "no file of that name"


def check_test_name(span):
    return None if span in TEST_METHODS else "no such test"


SETTING_SOURCES = "\n".join(t for f, t in SOURCES.items()
                            if f.startswith("host/") or f.startswith("firmware/EdgeBroker.Core/"))
SETTING_WORDS = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", SETTING_SOURCES))
# .NET's own configuration sections the host reads through the generic host.
FRAMEWORK_SETTINGS = {"Logging", "LogLevel", "Default", "Console", "Kestrel"}


def check_setting(span):
    """`EdgeBroker:Security:AclFile`, `Connections:MaxPacketSize: 60`, `EdgeBroker__AccessKeys__0__Id=AK`."""
    name = re.split(r"[=\s]|: ", span.lstrip('"'))[0].rstrip(':"')
    parts = re.split(r"__|:", name)
    for part in parts:
        if part in ("EdgeBroker", "*", "N", "") or part.isdigit():
            continue
        if part not in SETTING_WORDS and part not in FRAMEWORK_SETTINGS:
            return f"no setting {part}"
    return None


CONF_KEYS = set(re.findall(r'Key\s*=\s*"([a-z0-9_]+)"', "\n".join(
    t for f, t in CS_SOURCES.items() if f.startswith("firmware/"))))


def check_snake(span):
    """An edgebroker.conf key (the firmware's settings file) or another snake_case name the sources use (a SQL
    column, mosquitto's settings the host reads)."""
    key = re.split(r"[=\s]", span)[0]
    if key in CONF_KEYS or key in SOURCE_WORDS:
        return None
    return "no edgebroker.conf key or source name"


ROUTES = set()
for text in SOURCES.values():
    ROUTES.update(re.findall(r'"(/[A-Za-z0-9_{}/.\-]*)"', text))
ROUTE_PATTERNS = [re.compile("^" + re.sub(r"\\\{[^}]*\\\}", r"[^/]+", re.escape(r)) + "$") for r in ROUTES]


def check_endpoint(span):
    path = re.sub(r"^(GET|POST|PUT|DELETE)\s+", "", span).split("?")[0].split("[")[0]
    path = re.sub(r"\{[^}]*\}", "x", path)
    if path in ROUTES or any(p.match(path) for p in ROUTE_PATTERNS):
        return None
    # A route group: "/dashboard" + "/events".
    if any(path.startswith(r) and (path[len(r):] in ROUTES or r.endswith("/")) for r in ROUTES if len(r) > 1):
        return None
    return "no such HTTP route in the sources"


# Flags the programs and scripts take; the tests' sources left out, where a flag may be one a test shows refused.
SOURCE_FLAGS = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w-])", "\n".join(
    t for f, t in SOURCES.items() if not re.match(r"tests/EdgeBroker\.\w+\.Tests/", f))))


def check_sys_topic(span):
    """`$SYS/broker/edgebroker/p2p/target-unknown`: each named level is in the sources (mosquitto's own tree too)."""
    for level in span.split("/")[1:]:
        if level and not re.search(r"[{}+#…*]|^GID_", level) and level not in ALL_SOURCE_TEXT:
            return f"no topic level {level} in the sources"
    return None


def flags_in(command):
    return re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-v)(?![\w-])", command)


def check_flag(flag, program=None):
    if flag == "-v":
        return None  # the host's short --verbose; elsewhere another tool's
    if program == "host" and HOST_FLAGS is not None:
        return None if flag in HOST_FLAGS else "not in the host's --help"
    if program == "emulator" and EMULATOR_FLAGS is not None:
        return None if flag in EMULATOR_FLAGS else "not in the emulator's --help"
    known = EXTERNAL_FLAGS | SOURCE_FLAGS | (HOST_FLAGS or set()) | (EMULATOR_FLAGS or set())
    return None if flag in known else "no program of the repository takes it"


def command_flags(text):
    """(flag, program) for the flags a command line passes to the host or the emulator; others as (flag, None)."""
    result = []
    for piece in re.split(r"&&|\|\||;|\|", text):
        program = None
        target = re.search(r"--project\s+(\S+)|dotnet\s+(\S+\.dll)", piece)
        named = (target.group(1) or target.group(2)) if target else piece
        if re.search(r"EdgeBroker\.Emulator(\.dll)?/?$|EdgeBroker\.Emulator\b(?!\.)", named):
            program = "emulator"
        elif re.search(r"EdgeBroker\.Host(\.dll)?/?$|EdgeBroker\.Host\b(?!\.)", named):
            program = "host"
        if re.search(r"\bdotnet\b", piece):
            # dotnet's own flags (--project, -c) come before " -- "; the program's after it, or after its .dll.
            dll = re.search(r"\.dll\b(.*)", piece)
            args = piece.split(" -- ", 1)[1] if " -- " in piece else dll.group(1) if dll else ""
        elif program:
            args = re.split(r"EdgeBroker\.(?:Host|Emulator)\b", piece, maxsplit=1)[1]
        elif re.match(r"\s*(--|(bash |\./)?tests/|(bash )?deploy/)", piece):
            args = piece  # a bare flag, or a script of the repository
        else:
            continue  # another tool's command: mosquitto_sub, curl, perf ...
        result.extend((flag, program) for flag in flags_in(args))
    return result


def check_link(md_path, target):
    if re.match(r"^[a-z]+:", target):
        return None  # http:, https:, mailto:
    file_part, _, anchor = target.partition("#")
    target_path = (md_path.parent / file_part).resolve() if file_part else md_path
    try:
        relative = str(target_path.relative_to(ROOT))
    except ValueError:
        return "points outside the repository"
    if file_part and not path_exists(relative):
        return "no such file"
    if anchor and relative.endswith(".md") and anchor not in anchors(relative):
        return f"no heading #{anchor} in {relative}"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Classification of a code span.

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def classify(span):
    """The check for a span that looks like a code reference, "command" for a command line, else None."""
    s = span.strip()
    if s in EXTERNAL_NAMES or s.startswith("test_"):
        return None  # paho.mqtt.testing's scenarios (test_*) and the names listed above: not the repository's
    if s.startswith("$SYS/"):
        return check_sys_topic
    if re.match(r'^"[A-Z]\w*":', s) or re.match(r"^[A-Z]\w*(:\w+)*: \S+$", s):
        return check_setting  # "AuthMode": "Token", AllowAnonymous: true
    if re.match(r"^(GET|POST|PUT|DELETE) /", s):
        return check_endpoint
    if s.startswith("/") and re.match(r"^/(clients|client-id|route|token|dashboard|metrics|status|devices|pairing|"
                                      r"uplinks|assets)\b", s):
        return check_endpoint
    if re.match(r"^(dotnet |\.?/?tests/\S+ |bash |EdgeBroker\.(Host|Emulator) |\S+=\S+ dotnet )", s) \
            or s.startswith("--"):
        return "command"
    if s.startswith("edgebroker_"):
        return check_metric
    if re.match(r"^EdgeBroker\.[\w.]+\.dll$", s):
        return lambda name: None if name[:-4] in PROJECTS else "no project builds it"
    if s.startswith(".") and not s.startswith((".ci/", "./")):
        return None  # a file extension or a member access written alone
    if re.match(r"^EdgeBroker(__|:)", s) or re.match(rf"^[A-Z]{IDENT}:[A-Z*N0-9]", s) and " " not in s.split(": ")[0]:
        return check_setting
    if " " in s or s.startswith(("$", "/", "+", "#", "{")) or "@@@" in s or "{" in s:
        return None
    if re.match(r"^[\w.\-]+(/[\w.\-*]+)+/?$", s) or re.match(r"^[\w.\-*]+/$", s):
        first = s.split("/")[0]
        if first in TOP_LEVEL or first in PATH_PARTS or f"EdgeBroker.{first}" in PATH_PARTS \
                or f"EdgeBroker.{first}.Tests" in PATH_PARTS:
            return check_path
        return None  # a topic
    if re.search(CODE_EXTENSIONS, s) and "/" not in s:
        return lambda name: None if any(Path(f).name == name for f in FILES) or name in EXTERNAL_FILES \
            else "no file of that name"
    if re.match(rf"^[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+){{3,}}$", s) and re.search("[a-z]", s):
        return check_test_name
    if re.match(rf"^{IDENT}(\.{IDENT})+(\(.*\))?$", s) and re.match(r"^[A-Z]", s) \
            or re.match(rf"^[A-Z]\w*Tests\.\w+…$", s):
        return check_dotted
    if re.match(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+(\s*=.*)?$", s):
        return check_snake
    if re.match(r"^I?[A-Z][a-z0-9]+([A-Z][A-Za-z0-9]*)?(\(\))?$", s):
        return check_word
    if re.match(r"^[a-z][\w-]*(\.[a-z]+)+$", s):
        return check_file_name  # edgebroker.db, clients.list: files the programs write
    return None


# Names the docs cite from outside the repository: the scripts of past reviews whose figures the docs quote,
# paho.mqtt.testing's script, the nanoFramework SDK's build files and API, ApsaraMQ's and TDMQ's APIs, mosquitto's
# and EMQX's settings, M2Mqtt's and MQTTnet's internals, littlefs' and FatFs' calls on the device.
EXTERNAL_NAMES = {
    "t06-retained-burst-lost.py", "t15-subscribe-vs-retained-cpu.py", "t08-fed-device-moves.sh",
    "t10-fed-announced-move.sh", "s1_kill_upstream.py", "s2_down_backlog.py", "s3_kill_gateway.py",
    "s5_max_packet.py", "s6_auth_inflight_slow.py", "s7_tiny_fs.py", "client_test5.py",
    "interoperability/client_test5.py",
    "NFProjectSystem.Default.props", "NFProjectSystem.props", "NFProjectSystem.CSharp.targets",
    "CSharp.BlankApplication/NFApp.nfproj", "AssemblyNativeVersion", "SystemInfo.TargetName",
    "QuerySessionByClientId", "OnlineStatus", "OpenTelemetry.Exporter.Prometheus.AspNetCore",
    "MqttSettings.AttemptsOnRetry", "UseStoredDeviceCertificate", "MqttNetworkChannel",
    "Source/MQTTnet/Adapter/MqttChannelAdapter.cs", "lfs_file_close", "CONFIG_LITTLEFS_FLUSH_FILE_EVERY_WRITE",
    "queue_qos0_messages", "max_connections", "max_keepalive", "lfs_file_sync", "f_sync", "f_truncate",
    "SignatureNonce", "GET /client-id/{id}/status",
    # Other brokers' and the browser's names, cited beside ours (mosquitto, EMQX, the DOM).
    "websockets_origin", "check_origin_enable", "check_origins", "allow_origin_absence", "allowed_origins",
    "CloseEvent.wasClean",
}

# Files the docs name that the build or the SDK produces rather than the repository holding them.
EXTERNAL_FILES = {"EdgeBroker.Host.dll", "EdgeBroker.Core.dll", "EdgeBroker.Relay.dll", "MQTTnet.dll",
                  "EdgeBroker.Host.runtimeconfig.json", "appsettings.json", "edgebroker.conf", "bench-latency.svg"}


def main():
    problems = []
    for md in DOCS:
        rel = md.relative_to(ROOT)
        for number, kind, text in scan(md):
            if kind == "link":
                reason = check_link(md, text)
                if reason:
                    problems.append(f"{rel}:{number}: link ({text}): {reason}")
                continue
            if kind == "fence":
                checks = [(flag, program) for flag, program in command_flags(text)]
                for path in re.findall(r"(?<![\w/.])((?:host|firmware|tests|docs|deploy|hardware)/[\w./\-]+)", text):
                    if not path_exists(path.rstrip(".")) and not ignored(path.rstrip(".")):
                        problems.append(f"{rel}:{number}: `{path}`: no such file or directory")
            else:
                check = classify(text)
                if check is None:
                    continue
                if check == "command":
                    checks = command_flags(text)
                    for path in re.findall(r"(?<![\w/.])((?:host|firmware|tests|docs|deploy|hardware)/[\w./\-]+)",
                                           text):
                        if not path_exists(path.rstrip(".")) and not ignored(path.rstrip(".")):
                            problems.append(f"{rel}:{number}: `{text}`: {path}: no such file or directory")
                else:
                    reason = check(text.strip())
                    if reason:
                        problems.append(f"{rel}:{number}: `{text}`: {reason}")
                    continue
            for flag, program in checks:
                reason = check_flag(flag, program)
                if reason:
                    problems.append(f"{rel}:{number}: `{flag}` in `{text.strip()}`: {reason}")
    for line in problems:
        print(line)
    if HOST_FLAGS is None or EMULATOR_FLAGS is None:
        print("note: host or emulator not built: their flags were checked against the sources only", file=sys.stderr)
    print(f"{len(problems)} stale reference(s) in {len(DOCS)} pages", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
