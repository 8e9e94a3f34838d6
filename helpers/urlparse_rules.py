"""The rules of ``urllib.parse.urlparse``, written from its documentation and behaviour, each with
a generator of inputs that exercise it.

    for rule in RULES: rule.generate(rng) -> one input; rule.obeyed(url) -> does urlparse do what the
                       rule says on it; rule.present(url) -> does the input exercise the rule (coverage)

``tests/test_urlparse_rules.py`` checks every rule against the real function on generated inputs
and checks that the training generator draws inputs of every rule; ``tools/evaluate_rules.py``
scores a model rule by rule. The inputs are our own: nothing here is taken from CPython's or
WHATWG's URL test files.
"""

from __future__ import annotations

import ipaddress
import random
import string
import unicodedata
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlparse, uses_params

from helpers.url_generator import (C0_CONTROL_OR_SPACE, NO_PARAMS_SCHEMES, REMOVED_CHARACTERS, _word, random_domain,
                                   random_fragment, random_ipv6, random_path, random_query, random_segment)

RULES_FUNCTION = "urlparse"  # the registered function whose behaviour these rules describe
SCHEME_CHARACTERS = string.ascii_letters + string.digits + "+-."
NETLOC_DELIMITERS_NFKC = {"/": "\uff0f", "?": "\uff1f", "#": "\uff03", "@": "\uff20", ":": "\uff1a"}  # fullwidth forms


@dataclass(frozen=True)
class Rule:
    name: str  # short id
    text: str  # the rule, in words
    generate: Callable[[random.Random], str]  # an input that exercises the rule
    holds: Callable[[str], bool]  # urlparse obeys the rule on this input (the rule's own statement)
    present: Callable[[str], bool]  # the input exercises the rule (for the generator's coverage)
    raises: bool = False  # the rule's inputs make urlparse raise ValueError

    def obeyed(self, url: str) -> bool:
        """Does urlparse do what the rule says on ``url``? (Raise when the rule says so, and not otherwise.)"""
        if self.raises:
            return raises(url)
        return not raises(url) and bool(self.holds(url))


def fields(url: str) -> list[str] | None:
    """urlparse's six fields, or None when it raises ValueError."""
    try:
        return list(urlparse(url))
    except ValueError:
        return None


def raises(url: str) -> bool:
    return fields(url) is None


def _scheme_split(url: str) -> tuple[str, str] | None:
    """(scheme text, rest) when ``url`` has a valid scheme before its first ':' (before stripping)."""
    head, colon, rest = url.partition(":")
    if colon and head and head[0].isascii() and head[0].isalpha() and all(c in SCHEME_CHARACTERS for c in head):
        return head, rest
    return None


def _host(rng: random.Random) -> str:
    return random_domain(rng)


def _path(rng: random.Random) -> str:
    return random_path(rng, params_rate=0.0) or "/" + random_segment(rng)


def _tail(rng: random.Random) -> str:
    query = "?" + random_query(rng) if rng.random() < 0.4 else ""
    fragment = "#" + random_fragment(rng) if rng.random() < 0.2 else ""
    return query + fragment


# ----- scheme ---------------------------------------------------------------------------------------
def _scheme_lower(rng):
    scheme = rng.choice(string.ascii_letters) + "".join(rng.choice(SCHEME_CHARACTERS) for _ in range(rng.randint(0, 9)))
    scheme = "".join(c.upper() if rng.random() < 0.5 else c for c in scheme)
    return f"{scheme}://{_host(rng)}{_path(rng)}{_tail(rng)}"


def _invalid_scheme(rng):
    word = _word(rng)
    position = rng.randint(1, len(word))
    word = word[:position] + rng.choice("_~!%*'( é") + word[position:]
    return f"{word}:{_word(rng)}{_path(rng)}"


def _digit_first_scheme(rng):
    return f"{rng.choice(string.digits + '+-.')}{_word(rng)}:{_path(rng)}"


def _scheme_like_host(rng):
    """A host name that is also a valid scheme (ASCII letter first, then letters, digits, '+-.')."""
    while True:
        host = _host(rng)
        if host[0].isascii() and host[0].isalpha() and all(character in SCHEME_CHARACTERS for character in host):
            return host


def _host_port(rng):
    return f"{_scheme_like_host(rng)}:{rng.randint(1, 65535)}{_path(rng) if rng.random() < 0.7 else ''}"


# ----- netloc ---------------------------------------------------------------------------------------
def _netloc(rng):
    host = _host(rng)
    if rng.random() < 0.3:
        host = f"{_word(rng)}{':' + _word(rng) if rng.random() < 0.5 else ''}@{host}"
    if rng.random() < 0.4:
        host += f":{rng.randint(1, 65535)}"
    end = rng.choice(["/" + _word(rng), "?" + _word(rng) + "=1", "#" + _word(rng), ""])
    scheme = rng.choice(["http:", "https:", "ftp:", "", "git+ssh:"])
    return f"{scheme}//{host}{end}"


def _netloc_expected(url: str) -> str:
    after = url.partition("//")[2]
    for index, character in enumerate(after):
        if character in "/?#":
            return after[:index]
    return after


def _no_slashes(rng):
    return f"{rng.choice(['http', 'https', 'ftp'])}:{_scheme_like_host(rng)}{_path(rng)}"


def _triple_slash(rng):
    return f"{rng.choice(['http', 'https', 'file', 'ftp'])}:///{_word(rng)}{_path(rng) if rng.random() < 0.5 else ''}"


def _ipv6_address(rng):
    while True:
        address = random_ipv6(rng)[1:-1]  # without its brackets
        try:
            ipaddress.IPv6Address(address)
            return address
        except ValueError:  # the URL generator also draws zone ids and other forms
            continue


def _ipv6(rng):
    host = "[" + _ipv6_address(rng) + "]" + (f":{rng.randint(1, 65535)}" if rng.random() < 0.5 else "")
    return f"{rng.choice(['http', 'https', 'ws'])}://{host}{_path(rng) if rng.random() < 0.6 else ''}"


def _unbalanced_brackets(rng):
    host = _ipv6_address(rng)
    host = "[" + host if rng.random() < 0.5 else host + "]"
    return f"http://{host}{_path(rng) if rng.random() < 0.5 else ''}"


def _bad_bracketed_host(rng):
    inner = rng.choice([_word(rng), f"{rng.randint(1, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.1",
                        _word(rng) + "::" + _word(rng)])
    return f"https://[{inner}]{_path(rng) if rng.random() < 0.5 else ''}"


def _nfkc_netloc(rng):
    host = _host(rng)
    position = rng.randint(1, len(host) - 1)
    host = host[:position] + rng.choice(list(NETLOC_DELIMITERS_NFKC.values())) + host[position:]
    return f"https://{host}{_path(rng) if rng.random() < 0.5 else ''}"


def _nfkc_present(url: str) -> bool:
    netloc = url.partition("//")[2]
    netloc = _netloc_expected("//" + netloc)
    if netloc.isascii():
        return False
    normalised = unicodedata.normalize("NFKC", netloc.replace("@", "").replace(":", "").replace("#", "").replace("?", ""))
    return any(character in normalised for character in "/?#@:")


# ----- path, params, query, fragment ----------------------------------------------------------------
def _params_last_segment(rng):
    segments = [_word(rng) for _ in range(rng.randint(1, 4))]
    index = rng.randrange(len(segments))
    segments[index] += ";" + rng.choice([_word(rng), f"{_word(rng)}={_word(rng)}", "jsessionid=" + _word(rng)])
    scheme = rng.choice(["http://", "https://", "ftp://", "", "//"])
    host = _host(rng) if scheme else ""
    return f"{scheme}{host}/{'/'.join(segments)}{'/' if rng.random() < 0.15 else ''}{_tail(rng)}"


def _params_expected(url: str) -> str:
    """The params by the rule: after the first ';' of the last path segment."""
    parts = fields(url)
    path_and_params = parts[2] + (";" + parts[3] if parts[3] else "")
    last = path_and_params.rsplit("/", 1)[-1]
    return last.partition(";")[2] if ";" in last else ""


def _params_other_scheme(rng):
    scheme = rng.choice(NO_PARAMS_SCHEMES)
    return f"{scheme}:{'//' + _host(rng) if rng.random() < 0.5 else ''}/{_word(rng)};{_word(rng)}={_word(rng)}{_tail(rng)}"


def _query(rng):
    base = f"{rng.choice(['http://', 'https://', '//', ''])}{_host(rng)}{_path(rng)}"
    query = random_query(rng)
    if rng.random() < 0.5:
        query += "?" + _word(rng)
    return base + "?" + query + ("#" + _word(rng) if rng.random() < 0.3 else "")


def _fragment(rng):
    fragment = _word(rng) + rng.choice(["#" + _word(rng), "?" + _word(rng), "/" + _word(rng), ""])
    return f"https://{_host(rng)}{_path(rng)}{'?' + _word(rng) if rng.random() < 0.3 else ''}#{fragment}"


def _hash_before_question(rng):
    return f"https://{_host(rng)}{_path(rng)}#{_word(rng)}?{_word(rng)}={_word(rng)}"


def _expected_query(url: str) -> str:
    rest = url.partition("#")[0]
    if "//" in rest.partition("?")[0]:
        after = rest.partition("//")[2]
        rest = after[len(_netloc_expected("//" + after)):]
    return rest.partition("?")[2]


# ----- stripping and removal ------------------------------------------------------------------------
def _surrounding_whitespace(rng):
    lead = "".join(rng.choice(C0_CONTROL_OR_SPACE) for _ in range(rng.randint(1, 3)))
    trail = "".join(rng.choice(" \x00\x0b\x0c") for _ in range(rng.randint(0, 2)))
    return f"{lead}{rng.choice(['http', 'HTTPS', 'ftp'])}://{_host(rng)}{_path(rng)}{trail}"


def _tab_newline(rng):
    url = f"https://{_host(rng)}{_path(rng)}{_tail(rng)}"
    for _ in range(rng.randint(1, 3)):
        position = rng.randint(0, len(url))
        url = url[:position] + rng.choice(REMOVED_CHARACTERS) + url[position:]
    return url


def _cleaned(url: str) -> str:
    url = url.lstrip(C0_CONTROL_OR_SPACE)
    for character in REMOVED_CHARACTERS:
        url = url.replace(character, "")
    return url


def _kept_as_written(rng):
    path = "/" + "/".join(rng.choice([_word(rng), "%7E" + _word(rng), "a+b", "%20", "%E2%82%AC", _word(rng).upper()])
                          for _ in range(rng.randint(1, 3)))
    return f"https://{_host(rng).upper() if rng.random() < 0.5 else _host(rng)}{path}?q={_word(rng)}+{_word(rng)}%26x"


def _relative(rng):
    return rng.choice([_word(rng) + _path(rng), "../" + _word(rng), "./" + _word(rng), _path(rng),
                       "?" + _word(rng) + "=1", "#" + _word(rng), _word(rng) + ".html"])


RULES = [
    Rule("scheme_lower_case",
         "The scheme is the text before the first ':' when it starts with an ASCII letter and holds only letters, "
         "digits, '+', '-' and '.'; it comes out in lower case.",
         _scheme_lower,
         lambda url: fields(url)[0] == url.partition(":")[0].lower(),
         lambda url: _scheme_split(url) is not None and "//" in url[:len(url.partition(":")[0]) + 3]),
    Rule("invalid_scheme_character",
         "A character other than letters, digits, '+', '-' and '.' before the first ':' means there is no scheme: "
         "the text is a path.",
         _invalid_scheme,
         lambda url: fields(url)[0] == "" and fields(url)[2].startswith(url.partition(":")[0]),
         lambda url: ":" in url and _scheme_split(url) is None and not url.startswith(("/", "?", "#"))
         and url[0].isalpha()),
    Rule("scheme_starts_with_a_letter",
         "A scheme must start with an ASCII letter: '1abc:x' has none.",
         _digit_first_scheme,
         lambda url: fields(url)[0] == "",
         lambda url: ":" in url and url[0] in string.digits + "+-." and all(c in SCHEME_CHARACTERS for c in url.partition(":")[0])),
    Rule("host_port_is_a_scheme",
         "Without '//', 'example.com:8080/x' is read as the scheme 'example.com' and the path '8080/x'.",
         _host_port,
         lambda url: fields(url)[0] == url.partition(":")[0].lower() and fields(url)[2] == url.partition(":")[2].split("?")[0],
         lambda url: _scheme_split(url) is not None and "." in url.partition(":")[0]
         and url.partition(":")[2][:1].isdigit()),
    Rule("netloc_after_double_slash",
         "'//' (after the scheme, or at the start) begins the netloc, which runs to the first '/', '?' or '#'; "
         "userinfo and port stay in it.",
         _netloc,
         lambda url: fields(url)[1] == _netloc_expected(url),
         lambda url: "//" in url[:40] and ("@" in _netloc_expected(url) or ":" in _netloc_expected(url))),
    Rule("no_netloc_without_double_slash",
         "'http:example.com/x' has no netloc: everything after the scheme is the path.",
         _no_slashes,
         lambda url: fields(url)[1] == "" and fields(url)[2] == url.partition(":")[2],
         lambda url: _scheme_split(url) is not None and not url.partition(":")[2].startswith("/")
         and "." in url.partition(":")[2].partition("/")[0] and not url.partition(":")[2][:1].isdigit()),
    Rule("triple_slash",
         "'http:///x' has an empty netloc and the path '/x'.",
         _triple_slash,
         lambda url: fields(url)[1] == "" and fields(url)[2].startswith("/"),
         lambda url: ":///" in url),
    Rule("ipv6_brackets",
         "A bracketed IPv6 host keeps its brackets, and the port after them, in the netloc.",
         _ipv6,
         lambda url: fields(url)[1].startswith("[") and "]" in fields(url)[1],
         lambda url: "//[" in url and not raises(url)),
    Rule("params_in_the_last_segment",
         "For schemes that use params (http, https, ftp, no scheme, ...), the params are the text after the first "
         "';' of the last path segment; a ';' in an earlier segment stays in the path.",
         _params_last_segment,
         lambda url: fields(url)[0] in uses_params and fields(url)[3] == _params_expected(url),
         lambda url: not raises(url) and fields(url)[0] in uses_params and ";" in fields(url)[2] + fields(url)[3]
         and "/" in fields(url)[2]),
    Rule("no_params_for_other_schemes",
         "For other schemes (mailto, javascript, data, ws, file, ...), a ';' stays in the path: params are empty.",
         _params_other_scheme,
         lambda url: fields(url)[3] == "" and ";" in fields(url)[2],
         lambda url: not raises(url) and fields(url)[0] not in uses_params and ";" in fields(url)[2]),
    Rule("query_after_first_question_mark",
         "The query runs from the first '?' after the netloc to the first '#'; later '?' belong to the query.",
         _query,
         lambda url: fields(url)[4] == _expected_query(url),
         lambda url: not raises(url) and fields(url)[4].count("?") >= 1),
    Rule("fragment_after_first_hash",
         "The fragment is everything after the first '#', later '#', '?' and '/' included.",
         _fragment,
         lambda url: fields(url)[5] == url.partition("#")[2],
         lambda url: not raises(url) and any(c in fields(url)[5] for c in "#?/")),
    Rule("hash_before_question_mark",
         "A '#' before the first '?' puts the '?' in the fragment: the query is empty.",
         _hash_before_question,
         lambda url: fields(url)[4] == "" and "?" in fields(url)[5],
         lambda url: "#" in url and "?" in url.partition("#")[2] and "?" not in url.partition("#")[0]),
    Rule("leading_control_and_space_stripped",
         "C0 control characters and spaces are stripped from the start of the URL (the scheme is stripped too).",
         _surrounding_whitespace,
         lambda url: fields(url)[0] == _cleaned(url).partition(":")[0].lower(),
         lambda url: url[:1] in C0_CONTROL_OR_SPACE),
    Rule("tab_and_newline_removed",
         "Tabs, carriage returns and line feeds are removed wherever they are.",
         _tab_newline,
         lambda url: "".join(fields(url)) != "" and not any(c in "".join(fields(url)) for c in REMOVED_CHARACTERS)
         and fields(url) == fields(_cleaned(url)),
         lambda url: any(c in url for c in REMOVED_CHARACTERS)),
    Rule("escapes_and_case_kept",
         "Nothing is decoded or normalised besides the scheme: '%7E', '+' and upper-case hosts come out as written.",
         _kept_as_written,
         lambda url: "".join(fields(url)[1:]).replace("?", "") in url.replace("?", "").replace("https://", "")
         or fields(url)[1] in url,
         lambda url: ("%" in url or "+" in url) and any(c.isupper() for c in url.partition("//")[2].partition("/")[0])),
    Rule("relative_references",
         "A relative reference ('a/b', '../x', '?q', '#f') has no scheme and no netloc.",
         _relative,
         lambda url: fields(url)[0] == "" and fields(url)[1] == "",
         lambda url: not raises(url) and fields(url)[0] == "" and fields(url)[1] == "" and url[:1] in ".?#"),
    Rule("unbalanced_brackets_raise",
         "A netloc with '[' but no ']', or ']' but no '[', raises ValueError.",
         _unbalanced_brackets,
         raises,
         lambda url: raises(url) and ("[" in url) != ("]" in url), raises=True),
    Rule("bracketed_host_must_be_ip_v6",
         "A bracketed host that is not an IPv6 (or IPvFuture) address raises ValueError.",
         _bad_bracketed_host,
         raises,
         lambda url: raises(url) and "[" in url and "]" in url, raises=True),
    Rule("netloc_normalising_to_a_delimiter_raises",
         "A non-ASCII netloc character whose NFKC form is '/', '?', '#', '@' or ':' raises ValueError.",
         _nfkc_netloc,
         raises,
         _nfkc_present, raises=True),
]


def rule_inputs(rule: Rule, count: int, seed: int = 0, max_bytes: int = 256) -> list[str]:
    """``count`` distinct inputs of ``rule`` of at most ``max_bytes`` UTF-8 bytes, reproducible."""
    rng = random.Random(f"{rule.name}-{seed}")
    inputs: list[str] = []
    seen: set[str] = set()
    for _ in range(100 * count):
        url = rule.generate(rng)
        if url and len(url.encode("utf-8")) <= max_bytes and url not in seen:
            seen.add(url)
            inputs.append(url)
            if len(inputs) == count:
                return inputs
    raise ValueError(f"rule {rule.name!r} gave only {len(inputs)} distinct inputs of at most {max_bytes} bytes")
