"""A generator of realistic URLs and links, for training and for the embedded sample data.

Real URLs are not a uniform language: most are ``http(s)://host/path`` with a short path, but the
tail (relative links, ports, userinfo, IPv6, ``;params``, non-ASCII hosts, ``&amp;`` left from HTML,
typos in the scheme, 200-character tracking queries) is where a learned parser fails. The generator
draws each part from a weighted menu of the shapes seen on the web, so that the common cases are
common and every rare case still appears many thousands of times during training.

``random_url(rng)`` returns one URL; ``UrlGenerator(seed).batch(n)`` returns a list of n. Every
draw depends only on the ``random.Random`` it is given, so a seed reproduces the same stream.
"""

from __future__ import annotations

import random
import string
import unicodedata
from typing import Callable, Sequence
from urllib.parse import uses_params

# ---------------------------------------------------------------------------------------------
# Vocabulary: word-like pieces, so that hosts and paths look like language as well as like noise.
# ---------------------------------------------------------------------------------------------
WORDS = (
    "news home index about contact login account user users profile search blog post posts article "
    "articles product products item items shop store cart checkout category categories tag tags page "
    "pages view show detail details list download downloads file files images image img static assets "
    "css js media video videos music photo photos gallery forum forums thread topic wiki docs doc help "
    "support faq api v1 v2 v3 en de fr es it ja zh ru pt nl pl world sport sports business tech science "
    "health travel food weather money finance market markets jobs careers events event calendar map maps "
    "secure update verify signin sign-in auth oauth callback redirect out go link click track ads ad "
    "banner promo offer deals free online best top new latest archive archives 2019 2020 2021 2022 2023 "
    "2024 2025 watch movie movies tv series episode season game games play player app apps mobile wp "
    "wp-content wp-admin wp-includes uploads themes plugins admin dashboard panel cgi-bin bin includes "
    "lib library public private data feed rss atom xml json sitemap robots portal service services "
    "customer client billing invoice payment pay paypal bank banking mail webmail email inbox message "
    "messages chat community group groups member members share social network people company companies "
    "en-us en-gb index2 default main start welcome catalog catalogue library research education school "
    "university student course courses lesson pdf report reports paper papers journal abs full html "
    "review reviews rating ratings compare price prices cheap sale real estate homes rent car cars auto "
    "hotel hotels flights tickets booking book books author authors story stories china japan london "
    "paris berlin tokyo india brazil africa europe america canada australia county city state national "
    "global international local office official gov edu org museum church club team league cup"
).split()

TOP_LEVEL_DOMAINS = (
    ["com"] * 40 + ["org"] * 8 + ["net"] * 8 + ["de"] * 3 + ["co.uk"] * 3 + ["ru"] * 2 + ["jp"] * 2 + ["fr"] * 2
    + ["it", "nl", "pl", "br", "in", "au", "ca", "es", "cn", "info", "io", "edu", "gov", "co", "us", "me",
       "tv", "biz", "xyz", "club", "shop", "online", "site", "top", "gq", "tk", "ml", "cf", "ga", "vn", "kr",
       "com.br", "com.au", "co.jp", "ac.uk", "org.uk", "gov.uk", "edu.au", "com.cn", "ne.jp", "or.jp",
       "ch", "se", "no", "dk", "fi", "be", "at", "cz", "hu", "ro", "gr", "pt", "ie", "mx", "ar", "cl",
       "za", "tw", "hk", "sg", "id", "my", "th", "tr", "ua", "ir", "il", "nz", "eu", "asia", "app", "dev",
       "link", "live", "store", "tech", "space", "website", "cloud", "page", "pw", "cc", "ws", "su", "to"]
)

SUBDOMAINS = (
    ["www"] * 30 + ["m", "mobile", "en", "de", "fr", "es", "blog", "shop", "store", "mail", "webmail",
                    "login", "secure", "accounts", "account", "api", "cdn", "static", "img", "images",
                    "media", "news", "docs", "support", "help", "app", "apps", "dev", "beta", "my",
                    "www2", "www3", "ww1", "web", "portal", "forum", "wiki", "video", "download", "ftp",
                    "s3", "cdn1", "s1", "assets", "files", "go", "link", "t", "auth", "signin", "online"]
)

FILE_EXTENSIONS = (
    ["html"] * 10 + ["htm"] * 4 + ["php"] * 10 + ["asp", "aspx", "aspx", "jsp", "cgi", "pl", "shtml", "pdf",
                                                  "pdf", "jpg", "jpeg", "png", "gif", "svg", "css", "js", "json",
                                                  "xml", "txt", "zip", "exe", "apk", "doc", "docx", "xls", "mp3",
                                                  "mp4", "cfm", "do", "action", "rss", "ico", "webp", "bin", "sh"]
)

OTHER_SCHEMES = (
    ["ftp"] * 5 + ["file"] * 3 + ["mailto"] * 8 + ["javascript"] * 5 + ["data"] * 4 + ["tel"] * 3
    + ["android-app", "ios-app", "about", "blob", "chrome-extension", "chrome", "irc", "news", "git", "ssh",
       "sftp", "ws", "wss", "rtsp", "mms", "market", "itms-apps", "whatsapp", "skype", "sms", "steam",
       "magnet", "urn", "svn+ssh", "git+https", "view-source", "mw-data", "webcal", "feed", "spotify",
       "slack", "zoommtg", "x-apple.systemmorecontent", "hxxp", "hxxps", "s3", "gs", "hdfs", "jdbc", "ldap"]
)

SCHEME_TYPOS = ["hhttp", "hhttps", "htps", "ttps", "htp", "http:", "https:", "htttp", "httpss", "hppt", "hhtp"]

LETTERS = string.ascii_lowercase
ALPHANUMERIC = string.ascii_lowercase + string.digits
BASE64_ALPHABET = string.ascii_letters + string.digits + "-_"
HEX = "0123456789abcdef"
# Characters that appear in real paths and queries, beyond letters and digits.
PATH_PUNCTUATION = "-_.~!$'()*+,=:@"

NON_ASCII_WORDS = [
    "münchen", "köln", "straße", "café", "résumé", "niño", "españa", "français", "zürich", "göteborg",
    "россия", "москва", "новости", "日本語", "東京", "ニュース", "中文", "北京", "新闻", "한국어", "서울",
    "ελληνικά", "العربية", "עברית", "हिन्दी", "ไทย", "türkçe", "ışık", "čeština", "łódź", "ñandú",
    "søren", "ærø", "bücher", "naïve", "crème-brûlée", "€uro", "±", "°c", "™", "emoji-😀", "🍕",
]

IDN_HOSTS = [
    "münchen.de", "bücher.ch", "köln.de", "zürich.ch", "россия.рф", "пример.испытание", "例え.jp",
    "中国.cn", "한국.kr", "ελλάδα.gr", "españa.es", "straße.de", "café.fr", "smörgåsbord.se",
    "xn--mnchen-3ya.de", "xn--bcher-kva.ch", "xn--80akhbyknj4f.xn--p1ai", "xn--fiqs8s.cn",
]


def _choice(rng: random.Random, items: Sequence):
    return items[rng.randrange(len(items))]


def _random_token(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def _word(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return _choice(rng, WORDS)
    if roll < 0.9:
        # pronounceable nonsense: "bitscases", "golrenkten"
        syllables = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "zen", "tor", "lin", "mar", "kas",
                     "pro", "net", "soft", "tek", "ex", "on", "in", "ar", "el", "us", "ia", "go", "do"]
        return "".join(_choice(rng, syllables) for _ in range(rng.randint(2, 4)))
    return _random_token(rng, LETTERS, 3, 10)


def _words(rng: random.Random, low: int, high: int, separator: str) -> str:
    return separator.join(_word(rng) for _ in range(rng.randint(low, high)))


def _maybe_upper(rng: random.Random, text: str, probability: float) -> str:
    roll = rng.random()
    if roll >= probability:
        return text
    if roll < probability / 3:
        return text.upper()
    if roll < 2 * probability / 3:
        return text.capitalize()
    return "".join(c.upper() if rng.random() < 0.3 else c for c in text)


def percent_encode(rng: random.Random, text: str) -> str:
    """Percent-encode some or all of the non-alphanumeric bytes of text, in upper or lower hex."""
    upper = rng.random() < 0.85
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char in "-_.") and rng.random() < 0.97:
            out.append(char)
        else:
            for byte in char.encode("utf-8"):
                code = f"%{byte:02X}" if upper else f"%{byte:02x}"
                out.append(code)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Hosts
# ---------------------------------------------------------------------------------------------
def random_ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(0, 255)) for _ in range(4))


def random_ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    roll = rng.random()
    if roll < 0.4:
        start = rng.randint(1, 6)
        length = rng.randint(1, 8 - start)
        text = ":".join(groups[:start]) + "::" + ":".join(groups[start + length:])
    elif roll < 0.5:
        text = "::1"
    elif roll < 0.6:
        text = "::ffff:" + random_ipv4(rng)
    elif roll < 0.65:
        text = "fe80::" + ":".join(groups[:3]) + "%25eth0"
    else:
        text = ":".join(groups)
    return "[" + (text.upper() if rng.random() < 0.2 else text) + "]"


def random_domain(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return _choice(rng, IDN_HOSTS)
    labels = []
    subdomain_roll = rng.random()
    if subdomain_roll < 0.25:
        labels.append("www")
    elif subdomain_roll < 0.45:
        labels.append(_choice(rng, SUBDOMAINS))
    elif subdomain_roll < 0.55:
        labels.extend(_word(rng) for _ in range(rng.randint(1, 3)))
    elif subdomain_roll < 0.58:
        labels.append(_random_token(rng, ALPHANUMERIC, 6, 20))
    elif subdomain_roll < 0.61:  # machine-made labels: a UUID or a long hex id (hosted pages, CDNs, phishing)
        labels.append(_choice(rng, ["-".join(_random_token(rng, HEX, n, n) for n in (8, 4, 4, 4, 12)),
                                    _random_token(rng, HEX, 16, 32)]))
    elif subdomain_roll < 0.64:  # long hyphenated lures: amazon-id-safety-center-signin-update.example.com
        labels.append(_words(rng, 4, 9, "-"))
    style = rng.random()
    if style < 0.55:
        main = _word(rng)
    elif style < 0.8:
        main = _words(rng, 2, 3, _choice(rng, ["", "", "-"]))
    elif style < 0.9:
        main = _word(rng) + str(rng.randint(1, 2025))
    else:
        main = _random_token(rng, ALPHANUMERIC + "-", 2, 24).strip("-") or "x"
    labels.append(main)
    if rng.random() < 0.04:  # phishing-style deep hosts: www2.bank.com.example.shop
        labels.extend([_word(rng), _choice(rng, ["com", "co", "net"])] * rng.randint(1, 2))
    labels.append(_choice(rng, TOP_LEVEL_DOMAINS))
    host = ".".join(labels)
    if rng.random() < 0.01:
        host = host + "."
    return _maybe_upper(rng, host, 0.03)


def random_host(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.035:
        return random_ipv4(rng)
    if roll < 0.045:
        return random_ipv6(rng)
    if roll < 0.05:
        return _choice(rng, ["localhost", "LOCALHOST", "intranet", "router", "nas", "server01"])
    return random_domain(rng)


def random_userinfo(rng: random.Random) -> str:
    user = _choice(rng, [_word(rng), _random_token(rng, ALPHANUMERIC, 3, 10), "anonymous", "admin", "user.name",
                         f"{_word(rng)}%40{_word(rng)}.com", "git"])
    if rng.random() < 0.5:
        user += ":" + _choice(rng, [_random_token(rng, ALPHANUMERIC + "!$*", 4, 14), "", "password", "x"])
    return user + "@"


def random_port(rng: random.Random) -> str:
    return ":" + _choice(rng, ["80", "443", "8080", "8443", "8000", "8888", "3000", "5000", "21", "81",
                               "9090", str(rng.randint(1, 65535)), str(rng.randint(1024, 65535)), ""])


def random_netloc(rng: random.Random, userinfo_rate: float = 0.01, port_rate: float = 0.04) -> str:
    netloc = random_host(rng)
    if rng.random() < userinfo_rate:
        netloc = random_userinfo(rng) + netloc
    if rng.random() < port_rate:
        netloc += random_port(rng)
    return netloc


# ---------------------------------------------------------------------------------------------
# Paths, params, queries, fragments
# ---------------------------------------------------------------------------------------------
def random_segment(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.32:
        segment = _word(rng)
    elif roll < 0.50:
        segment = _words(rng, 2, 9, _choice(rng, ["-", "-", "-", "_", "+", ".", ""]))
    elif roll < 0.58:
        segment = str(rng.randint(0, 10 ** rng.randint(1, 10)))
    elif roll < 0.64:
        segment = _random_token(rng, HEX, 8, 40)
    elif roll < 0.70:
        segment = _random_token(rng, BASE64_ALPHABET, 4, 28)
    elif roll < 0.74:
        segment = f"{rng.randint(1995, 2026)}/{rng.randint(1, 12):02d}/{rng.randint(1, 31):02d}"
    elif roll < 0.78:
        segment = percent_encode(rng, _words(rng, 1, 4, " "))
    elif roll < 0.80:
        segment = _choice(rng, NON_ASCII_WORDS)
        if rng.random() < 0.5:
            segment = percent_encode(rng, segment)
    elif roll < 0.83:
        segment = _word(rng) + _choice(rng, PATH_PUNCTUATION) + _word(rng)
    elif roll < 0.84:
        segment = "~" + _word(rng)
    elif roll < 0.85:  # version numbers and DOIs: 2.1.364, v1.2, 10.1111%2Fpala.12284
        segment = _choice(rng, [".".join(str(rng.randint(0, 40)) for _ in range(rng.randint(2, 4))),
                                f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}",
                                f"10.{rng.randint(1000, 9999)}%2F{_word(rng)}.{rng.randint(1, 99999)}"])
    elif roll < 0.87:
        segment = _choice(rng, ["..", ".", "", "%20", "@" + _word(rng), "_" + _word(rng), "$" + _word(rng)])
    elif roll < 0.89:
        segment = _random_token(rng, string.ascii_letters + string.digits, 5, 12)
    else:
        segment = _word(rng) + "-" + str(rng.randint(1, 999999))
    return _maybe_upper(rng, segment, 0.05)


def random_filename(rng: random.Random) -> str:
    base = _choice(rng, [_word(rng), _words(rng, 2, 5, _choice(rng, ["-", "_"])), "index", "default", "main",
                         _random_token(rng, ALPHANUMERIC, 4, 16), str(rng.randint(1, 99999)),
                         _word(rng) + _word(rng).capitalize() + _word(rng).capitalize()])  # camelCase
    style = rng.random()
    if style < 0.08:  # fingerprinted assets: app.a10ebc48d017.css, head.min.js
        base += "." + _choice(rng, [_random_token(rng, HEX, 8, 20), "min", "bundle", "chunk." + _random_token(rng, HEX, 6, 8)])
    elif style < 0.11:  # news CMS ids: la-et-mn-story-20140325,0,2975972.story
        base += f",{rng.randint(0, 9)},{rng.randint(1000, 9999999)}"
    return base + "." + _maybe_upper(rng, _choice(rng, FILE_EXTENSIONS), 0.03)


def random_path(rng: random.Random, params_rate: float = 0.025) -> str:
    """An absolute path ('' or '/...'), with ';params' in the last or a middle segment now and then."""
    roll = rng.random()
    if roll < 0.07:
        return ""
    if roll < 0.15:
        return "/"
    segment_count = min(int(rng.expovariate(0.42)) + 1, 14)
    segments = [random_segment(rng) for _ in range(segment_count)]
    ending = rng.random()
    if ending < 0.35:
        segments[-1] = random_filename(rng)
    path = "/" + "/".join(segments)
    if ending > 0.72:
        path += "/"
    if rng.random() < 0.01:
        path = path.replace("/", "//", 1)
    if rng.random() < params_rate:
        path = add_params(rng, path)
    return path


def add_params(rng: random.Random, path: str) -> str:
    """Insert ';params' the way servers use them: jsessionid, matrix parameters, stray semicolons."""
    params = _choice(rng, [
        f"jsessionid={_random_token(rng, HEX.upper() + HEX, 16, 32)}",
        f"JSESSIONID={_random_token(rng, ALPHANUMERIC, 10, 32)}",
        f"{_word(rng)}={_word(rng)}",
        f"{_word(rng)}={rng.randint(0, 999)};{_word(rng)}={_word(rng)}",
        f"type={_choice(rng, ['a', 'i', 'd'])}",
        "",
        _word(rng),
        f"sid={_random_token(rng, ALPHANUMERIC, 8, 20)}",
    ])
    if rng.random() < 0.8 or "/" not in path[1:]:
        return path.rstrip("/") + ";" + params + ("/" if rng.random() < 0.05 else "")
    # a ';' in a middle segment: urlparse leaves it in the path
    cut = path.find("/", 1)
    return path[:cut] + ";" + params + path[cut:]


TRACKING_KEYS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "fbclid", "gclid",
                 "ref", "ref_src", "source", "src", "cmp", "cid", "mc_cid", "mc_eid", "_ga", "yclid", "igshid"]
QUERY_KEYS = ["id", "q", "p", "page", "s", "search", "query", "lang", "hl", "cat", "category", "type", "sort",
              "order", "limit", "offset", "start", "n", "v", "t", "format", "action", "mode", "view", "item",
              "pid", "uid", "user", "token", "session", "sid", "key", "api_key", "callback", "redirect",
              "redirect_uri", "return", "returnUrl", "next", "url", "u", "r", "tab", "option", "Itemid", "task",
              "do", "op", "act", "f", "fid", "tid", "aid", "nid", "ie", "oe", "client", "rand", "ts", "sig"]


def random_query_value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return str(rng.randint(0, 10 ** rng.randint(1, 10)))
    if roll < 0.5:
        return _word(rng)
    if roll < 0.6:
        return _words(rng, 2, 5, _choice(rng, ["+", "%20", "-", "_"]))
    if roll < 0.7:
        return _random_token(rng, BASE64_ALPHABET, 6, 40)
    if roll < 0.75:
        return _random_token(rng, HEX, 16, 40)
    if roll < 0.82:  # an encoded URL inside the query: the classic redirect
        inner = "http" + ("s" if rng.random() < 0.5 else "") + "://" + random_domain(rng) + random_path(rng)
        if rng.random() < 0.6:
            return percent_encode(rng, inner)
        # left unencoded, often with its own '?query': urlparse splits at the first '?' and keeps the rest
        return inner + ("?" + random_query(rng, max_pairs=4) if rng.random() < 0.4 else "")
    if roll < 0.85:
        return ""
    if roll < 0.88:
        return percent_encode(rng, _choice(rng, NON_ASCII_WORDS))
    if roll < 0.9:
        return _choice(rng, NON_ASCII_WORDS)
    if roll < 0.93:
        return f"{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return _maybe_upper(rng, _word(rng), 0.5) + _choice(rng, ["", ".", ",", "*", "!", "'", "(1)", ":", "/"])


def random_query(rng: random.Random, max_pairs: int = 16) -> str:
    """The text after '?': key=value pairs joined by '&' (or '&amp;', or ';'), sometimes odd."""
    roll = rng.random()
    if roll < 0.04:
        return ""
    if roll < 0.08:
        return _choice(rng, [_word(rng), str(rng.randint(0, 99999)), _random_token(rng, BASE64_ALPHABET, 4, 30),
                             f"{_word(rng)}/{_word(rng)}", "?", "?" + _word(rng) + "=" + _word(rng)])
    if roll < 0.1:  # a whole link as the query (redirectors, phishing kits): '?' + host/path?ref=...
        inner = _choice(rng, ["", "http://", "https://", "http:/"]) + random_domain(rng) + random_path(rng)
        return inner + ("?" + random_query(rng, max_pairs=3) if rng.random() < 0.6 else "")
    count = min(int(rng.expovariate(0.45)) + 1, max_pairs)
    pairs = []
    for _ in range(count):
        key_roll = rng.random()
        if key_roll < 0.2:
            key = _choice(rng, TRACKING_KEYS)
        elif key_roll < 0.75:
            key = _choice(rng, QUERY_KEYS)
        elif key_roll < 0.8:
            key = _word(rng) + "[]"
        else:
            key = _maybe_upper(rng, _word(rng), 0.2)
        pairs.append(key if rng.random() < 0.04 else f"{key}={random_query_value(rng)}")
    separator_roll = rng.random()
    separator = "&amp;" if separator_roll < 0.05 else ";" if separator_roll < 0.07 else "&"
    query = separator.join(pairs)
    if rng.random() < 0.02:
        query += "&"
    return query


def random_fragment(rng: random.Random) -> str:
    return _choice(rng, [
        _word(rng), _words(rng, 2, 4, "-"), _words(rng, 2, 3, "_"), "top", "", "content", "main",
        f"!/{_word(rng)}/{_word(rng)}", f"/{_word(rng)}", f"{_word(rng)}={_word(rng)}&{_word(rng)}={rng.randint(0, 99)}",
        f"section-{rng.randint(1, 30)}", f"p{rng.randint(1, 500)}", f":~:text={_words(rng, 1, 4, '%20')}",
        f"comment-{rng.randint(1, 999999)}", _random_token(rng, BASE64_ALPHABET, 4, 20), "#", "?x=1",
        _choice(rng, NON_ASCII_WORDS),
        # single-page-app routes and tracking tails: '#/', '#/pages/login', '#/?from=mail', '#.VPojtC6RNiR'
        "/", "/" + "/".join(_word(rng) for _ in range(rng.randint(1, 3))),
        f"/?{_word(rng)}={_word(rng)}", f"{_word(rng)}?{_word(rng)}={rng.randint(0, 999)}",
        "." + _random_token(rng, BASE64_ALPHABET, 8, 12), f"_ga={rng.randint(1, 2)}.{rng.randint(1, 10 ** 9)}.{rng.randint(1, 10 ** 10)}",
    ])


# ---------------------------------------------------------------------------------------------
# Whole URLs
# ---------------------------------------------------------------------------------------------
def _tail(rng: random.Random, query_rate: float = 0.2, fragment_rate: float = 0.05) -> str:
    text = ""
    if rng.random() < query_rate:
        text += "?" + random_query(rng)
    if rng.random() < fragment_rate:
        text += "#" + random_fragment(rng)
    return text


def web_url(rng: random.Random) -> str:
    """http(s)://[userinfo@]host[:port]/path[;params][?query][#fragment]"""
    scheme = "http" if rng.random() < 0.62 else "https"
    scheme = _maybe_upper(rng, scheme, 0.01)
    return scheme + "://" + random_netloc(rng) + random_path(rng) + _tail(rng)


def other_scheme_url(rng: random.Random) -> str:
    scheme = _choice(rng, OTHER_SCHEMES)
    if scheme == "mailto":
        address = f"{_word(rng)}{_choice(rng, ['', '.', '_'])}{_word(rng)}@{random_domain(rng)}"
        extra = _choice(rng, ["", "", f"?subject={_words(rng, 1, 4, '%20')}", f"?body={_word(rng)}&cc={_word(rng)}@x.com"])
        return "mailto:" + address + extra
    if scheme == "javascript":
        return "javascript:" + _choice(rng, ["void(0)", "void(0);", ";", "", f"{_word(rng)}()", "history.back()",
                                             f"window.open('{web_url(rng)}')", f"{_word(rng)}.{_word(rng)}({rng.randint(0, 9)});"])
    if scheme == "data":
        mime = _choice(rng, ["image/png", "image/gif", "image/svg+xml", "text/html", "text/plain", "application/json"])
        body = _random_token(rng, string.ascii_letters + string.digits + "+/", 8, 200) + _choice(rng, ["", "=", "=="])
        return f"data:{mime}" + _choice(rng, [";base64,", ",", ";charset=utf-8,"]) + body
    if scheme == "tel":
        return "tel:" + _choice(rng, ["+", ""]) + _random_token(rng, string.digits + "-", 6, 14)
    if scheme == "file":
        return "file://" + _choice(rng, ["", "localhost", "server"]) + random_path(rng) + _tail(rng, 0.05, 0.02)
    if scheme == "about":
        return "about:" + _choice(rng, ["blank", "config", "srcdoc", _word(rng)])
    if scheme == "urn":
        return "urn:" + _choice(rng, ["isbn:", "uuid:", "ietf:rfc:"]) + _random_token(rng, ALPHANUMERIC + "-", 4, 36)
    if scheme == "blob":
        return "blob:" + web_url(rng)
    if scheme == "android-app":
        return f"android-app://com.{_word(rng)}.{_word(rng)}/{_choice(rng, ['http', 'https'])}/{random_domain(rng)}{random_path(rng)}"
    if scheme == "magnet":
        return f"magnet:?xt=urn:btih:{_random_token(rng, HEX, 40, 40)}&dn={_words(rng, 1, 3, '+')}"
    scheme = _maybe_upper(rng, scheme, 0.05)
    if rng.random() < 0.7:
        return scheme + "://" + random_netloc(rng, port_rate=0.15) + random_path(rng) + _tail(rng)
    return scheme + ":" + _choice(rng, [_word(rng), random_path(rng) or "/", _words(rng, 1, 3, ":")]) + _tail(rng, 0.1, 0.02)


def typo_scheme_url(rng: random.Random) -> str:
    scheme = _choice(rng, SCHEME_TYPOS)
    separator = _choice(rng, ["://", "://", ":/", ":", ":///"])
    return scheme + separator + random_netloc(rng) + random_path(rng) + _tail(rng)


def relative_link(rng: random.Random) -> str:
    """Links as they stand in HTML: '/path', '../a', 'page.html', '?q=1', '#id', '//cdn/x.js'."""
    roll = rng.random()
    if roll < 0.3:
        return (random_path(rng) or "/") + _tail(rng, 0.25, 0.05)
    if roll < 0.42:
        return "//" + random_netloc(rng) + random_path(rng) + _tail(rng, 0.15, 0.02)
    if roll < 0.55:
        prefix = _choice(rng, ["../", "../../", "./", "", "../../../"])
        return prefix + random_path(rng).lstrip("/") + _tail(rng, 0.2, 0.05)
    if roll < 0.65:
        return "#" + random_fragment(rng)
    if roll < 0.72:
        return "?" + random_query(rng) + _tail(rng, 0.0, 0.05)
    if roll < 0.78:
        return random_filename(rng) + _tail(rng, 0.2, 0.05)
    # scheme-less hosts: 'www.example.com/path' (all path), 'example.com:8080/x' (scheme 'example.com'),
    # '1.2.3.4:7890/a' (all path again: a scheme cannot start with a digit)
    host_roll = rng.random()
    host = random_ipv4(rng) if host_roll < 0.3 else random_domain(rng)
    if rng.random() < 0.3:
        host += random_port(rng)
    return host + random_path(rng) + _tail(rng, 0.15, 0.02)


def decorate(rng: random.Random, url: str) -> str:
    """Rare damage seen in scraped data: spaces, entities, quotes, backslashes, a stray tab."""
    roll = rng.random()
    if roll < 0.3:
        position = rng.randint(0, len(url))
        return url[:position] + _choice(rng, [" ", "%20", "\\", '"', "'", "<", ">", "|", "^", "`", "{", "}"]) + url[position:]
    if roll < 0.5:
        return url.replace("&", "&amp;")
    if roll < 0.6:
        return " " + url if rng.random() < 0.5 else url + " "
    if roll < 0.7:
        return url.replace("/", "\\", 1)
    if roll < 0.8:
        position = rng.randint(0, len(url))
        return url[:position] + _choice(rng, ["\u00ad", "\u200b", "é", "ü", "\u3000", "\ufeff"]) + url[position:]
    if roll < 0.9:  # quoted as in CSV dumps and HTML attributes: a quote before the scheme kills it
        quote = _choice(rng, ["'", '"'])
        return quote + url + _choice(rng, [quote, quote, "", quote * 3])
    return url + _choice(rng, [")", ".", ",", "]", "'", '"', ">"])


# ---------------------------------------------------------------------------------------------
# What urlparse rejects or removes. It raises ValueError when the netloc has a '[' without a ']' (or
# the reverse), when the text in brackets is not an IPv6 address (or an 'v1.x' IPvFuture form), and
# when a non-ASCII netloc turns into one of '/?#@:' under NFKC normalisation. It removes tab, CR and LF
# wherever they stand, and strips C0 control characters and spaces from the start. Each maker below
# mixes such inputs with near misses that urlparse accepts, so that the rule, not a character, is learnt.
# ---------------------------------------------------------------------------------------------
NFKC_DELIMITERS = "/?#@:"  # what a netloc must not turn into under NFKC (urllib.parse._checknetloc)
# every character whose NFKC form holds one of them ('\uff0f' fullwidth solidus, '\u2100' account-of, ...):
# computed from the Unicode database, so no list is copied from anywhere
NFKC_DELIMITER_CHARACTERS = "".join(
    chr(code) for code in range(0x80, 0x30000)
    if not 0xD800 <= code < 0xE000 and any(mark in unicodedata.normalize("NFKC", chr(code)) for mark in NFKC_DELIMITERS))
# non-ASCII characters that NFKC maps to harmless ones (fullwidth letters and digits, ligatures): near misses
NFKC_HARMLESS_CHARACTERS = "\uff41\uff42\uff45\uff4f\uff11\uff12\ufb01\u2160\u00e9\u00fc\u00bd\u2122\u3000"
REMOVED_CHARACTERS = "\t\r\n"  # urlparse deletes these anywhere in the URL


def _prefix_with_netloc(rng: random.Random) -> str:
    """The part before a netloc: a scheme and '//', or just '//'."""
    return _choice(rng, ["http://", "https://", "http://", "https://", "//", "ftp://", "ws://",
                         _choice(rng, OTHER_SCHEMES) + "://", _maybe_upper(rng, "http", 0.5) + "://"])


def _netloc_around(rng: random.Random, host: str) -> str:
    """[userinfo@]host[:port] around a given host."""
    netloc = host
    if rng.random() < 0.1:
        netloc = random_userinfo(rng) + netloc
    if rng.random() < 0.15 and not netloc.endswith("]"):
        netloc += random_port(rng)
    elif rng.random() < 0.15:
        netloc += ":" + str(rng.randint(1, 65535))
    return netloc


def _colon_words(rng: random.Random) -> str:
    """Two or three tokens joined by ':' or '::': an IPv6 address when every token is at most four
    hex digits ('[abc::1f]', accepted), not one when a token holds another letter or is longer
    ('[verify::messages]', '[abcde::1]', rejected)."""
    def token() -> str:
        roll = rng.random()
        if roll < 0.8:
            return _random_token(rng, HEX, 1, 4)
        if roll < 0.9:
            return _word(rng)
        return _random_token(rng, HEX, 5, 6) if rng.random() < 0.5 else _random_token(rng, LETTERS, 1, 4)
    tokens = [token() for _ in range(2 if rng.random() < 0.7 else 3)]
    return tokens[0] + _choice(rng, ["::", "::", "::", ":"]) + ":".join(tokens[1:])


def _bracket_host(rng: random.Random) -> str:
    """A host with brackets that urlparse rejects (about 2 in 3) or accepts."""
    address = random_ipv6(rng)  # '[...]', a valid IPv6 address
    roll = rng.random()
    if roll < 0.15:  # only one bracket: 'Invalid IPv6 URL'
        return address[:-1] if rng.random() < 0.6 else address[1:]
    if roll < 0.22:  # a bracket after or inside a name
        host = random_domain(rng)
        cut = rng.randint(0, len(host))
        return host[:cut] + _choice(rng, ["[", "]"]) + host[cut:]
    if roll < 0.42:  # brackets around what is not an IPv6 address
        inner = _choice(rng, [random_domain(rng), random_ipv4(rng), _word(rng), _word(rng) + "::" + _word(rng),
                              _random_token(rng, HEX + ":", 1, 12) + "g", "", ":::", "1:2:3:4:5:6:7:8:9",
                              "v" + _random_token(rng, LETTERS, 1, 3)])
        return "[" + inner + "]"
    if roll < 0.57:  # tokens and colons: an address only when every token is hex digits
        return "[" + _colon_words(rng) + "]"
    if roll < 0.67:  # brackets inside a longer name around a non-address
        return random_domain(rng) + "[" + _word(rng) + "]" + _choice(rng, ["", random_domain(rng)])
    if roll < 0.9:  # accepted: a real IPv6 address (the brackets may be followed by junk)
        return address + _choice(rng, ["", "", "", "x", ".com"])
    return "[v" + _random_token(rng, HEX, 1, 2) + "." + _random_token(rng, ALPHANUMERIC + ":", 1, 10) + "]"  # IPvFuture: accepted


def _unicode_host(rng: random.Random) -> str:
    """A non-ASCII host that normalises to a delimiter under NFKC (rejected, about 2 in 3) or not."""
    host = random_domain(rng)
    bad = rng.random() < 0.65
    for _ in range(1 if rng.random() < 0.8 else 2):
        cut = rng.randint(0, len(host))
        host = host[:cut] + _choice(rng, NFKC_DELIMITER_CHARACTERS if bad else NFKC_HARMLESS_CHARACTERS) + host[cut:]
    return host


def rejected_url(rng: random.Random) -> str:
    """A URL whose netloc urlparse may reject: brackets that are not an IPv6 host, or characters that
    NFKC turns into '/?#@:'. About half raise ValueError; the rest are near misses it accepts
    (the same character in the path or the query, a real IPv6 host)."""
    host = _bracket_host(rng) if rng.random() < 0.6 else _unicode_host(rng)
    if rng.random() < 0.15:  # the same host text after the netloc: accepted
        odd = host
        host = random_domain(rng)
        tail = _choice(rng, ["/" + odd, "/" + _word(rng) + "?" + _word(rng) + "=" + odd, "#" + odd])
        return _prefix_with_netloc(rng) + _netloc_around(rng, host) + tail
    return _prefix_with_netloc(rng) + _netloc_around(rng, host) + random_path(rng) + _tail(rng, 0.2, 0.05)


def with_removed_characters(rng: random.Random, url: str) -> str:
    """``url`` with tabs, CRs or LFs put in (urlparse deletes them) and sometimes C0 controls or spaces
    before it (stripped)."""
    for _ in range(rng.randint(1, 3)):
        cut = rng.randint(0, len(url))
        url = url[:cut] + _choice(rng, ["\t", "\n", "\r", "\r\n", "\t"]) + url[cut:]
    if rng.random() < 0.2:
        url = "".join(_choice(rng, [" ", "\x00", "\x01", "\x1f", "\x0b", "\x0c", "\t"]) for _ in range(rng.randint(1, 3))) + url
    return url


def control_character_url(rng: random.Random) -> str:
    """A URL of the natural mix with tabs, CRs or LFs inside it."""
    return with_removed_characters(rng, _choice(rng, [web_url, web_url, other_scheme_url, relative_link])(rng))


URL_KINDS: list[tuple[float, Callable[[random.Random], str]]] = [
    (0.839, web_url),
    (0.025, other_scheme_url),
    (0.005, typo_scheme_url),
    (0.125, relative_link),
    (0.004, rejected_url),  # a few in a thousand draws raise ValueError: rare, as in real URLs (tests/test_urlparse_rules.py measures the share)
    (0.002, control_character_url),
]
_KIND_FUNCTIONS = [kind for _, kind in URL_KINDS]
_KIND_WEIGHTS = [weight for weight, _ in URL_KINDS]


def random_url(rng: random.Random, max_bytes: int = 256) -> str:
    """One URL of at most ``max_bytes`` UTF-8 bytes (re-drawn until it fits)."""
    while True:
        kind = rng.choices(_KIND_FUNCTIONS, weights=_KIND_WEIGHTS)[0]
        url = kind(rng)
        if rng.random() < 0.03:
            url = decorate(rng, url)
        if url and len(url.encode("utf-8")) <= max_bytes:
            return url


# ---------------------------------------------------------------------------------------------
# Hard cases: the rules urlparse's answer hinges on, which the natural mix draws rarely. Training may
# draw a share of its inputs here (TrainingConfig.hard_input_share); validation and every fresh test
# keep random_url's natural proportions.
# ---------------------------------------------------------------------------------------------
PARAMS_SCHEMES = ["http", "https", "", "ftp", "rtsp", "sip", "sftp", "tel", "imap", "mms"]  # urlparse splits ';'
NO_PARAMS_SCHEMES = ["javascript", "mailto", "data", "file", "ws", "wss", "git", "ssh", "irc", "news", "spotify"]


def semicolon_url(rng: random.Random) -> str:
    """A path with one or two ';' anywhere: urlparse splits params only after the last '/' of the path,
    and only for the schemes of uses_params ('http' yes; 'javascript', 'slack', 'hhttp' no). Now and then
    the last segment holds a run of ';' (pairs joined by ';' or by '&amp;' left from HTML): the params
    start at its first one; and now and then a ';' follows the host with no path: the netloc keeps it."""
    path = random_path(rng, params_rate=0.0) or "/" + random_segment(rng)
    if rng.random() < 0.15:  # short segments ('/a/b;p'): the ';' falls in a last segment of a letter or two
        path = "".join("/" + _random_token(rng, ALPHANUMERIC, 1, 3) for _ in range(rng.randint(1, 3)))
    for _ in range(1 if rng.random() < 0.7 else 2):
        cut = rng.randint(1, len(path))
        params = _choice(rng, ["", _word(rng), f"{_word(rng)}={_word(rng)}", f"jsessionid={_random_token(rng, HEX, 16, 32)}",
                               f"sid={_random_token(rng, ALPHANUMERIC, 8, 20)}", f"type={_choice(rng, 'aid')}", "/"])
        path = path[:cut] + ";" + params + path[cut:]
    if rng.random() < 0.2:
        separator = _choice(rng, ["&amp;", ";", "&amp;amp;"])
        pairs = [f"{_word(rng)}={_random_token(rng, ALPHANUMERIC + '-_.@', 1, 12)}" for _ in range(rng.randint(2, 6))]
        path = path.rstrip("/") + (_choice(rng, ["", separator]) if rng.random() < 0.5 else "") + separator.join(pairs)
    roll = rng.random()
    if roll < 0.45:
        scheme = _maybe_upper(rng, _choice(rng, PARAMS_SCHEMES[:2]), 0.05)
        prefix = scheme + "://" + random_netloc(rng)
    elif roll < 0.58:
        prefix = _choice(rng, ["//" + random_netloc(rng), "", random_domain(rng)])
    elif roll < 0.72:
        prefix = _choice(rng, PARAMS_SCHEMES) + "://" + random_netloc(rng)
    else:  # no params for schemes outside urllib.parse.uses_params (typos and unknown ones too): the ';' stays
        scheme = _choice(rng, [_choice(rng, NO_PARAMS_SCHEMES), _choice(rng, NO_PARAMS_SCHEMES),
                               _choice(rng, [typo for typo in SCHEME_TYPOS if ":" not in typo]), _choice(rng, OTHER_SCHEMES)])
        if scheme in uses_params:
            scheme = _choice(rng, NO_PARAMS_SCHEMES)
        prefix = scheme + (":" if rng.random() < 0.5 else "://" + random_netloc(rng))
        if prefix.endswith(":"):
            path = path.lstrip("/") if rng.random() < 0.5 else path
    if prefix.endswith(tuple(LETTERS + string.digits)) and "://" in prefix and rng.random() < 0.08:  # no path: the
        # netloc, which ends only at '/', '?' or '#', keeps the ';'
        return prefix + ";" + _choice(rng, [_word(rng), f"jsessionid={_random_token(rng, HEX, 16, 32)}"]) + _tail(rng, 0.3, 0.15)
    return prefix + path + _tail(rng, 0.3, 0.15)


# every character that cannot stand in a scheme, but may stand before the first ':' (not '/?#', which end it)
NOT_SCHEME_CHARACTERS = "!$%&'()*,;=_~ \"<>[]^`{|}@" + "\u00e9\u00fc\u00df\u00e7\u0436\u4e2d\u3000\u00a0"
C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))  # what urlparse strips from the start of a URL


def invalid_scheme_url(rng: random.Random) -> str:
    """A character that a scheme cannot hold before the first ':' ('my_app:x', 'a~b://host/p'): there is
    no scheme, so no netloc either, and everything before '?' or '#' is the path."""
    head = _choice(rng, [_word(rng), _choice(rng, OTHER_SCHEMES + ["http", "https"]), random_domain(rng),
                         _random_token(rng, ALPHANUMERIC + "+-.", 1, 12)])
    for _ in range(1 if rng.random() < 0.8 else 2):
        cut = rng.randint(0 if rng.random() < 0.2 else 1, len(head))
        head = head[:cut] + _choice(rng, NOT_SCHEME_CHARACTERS) + head[cut:]
    head = _maybe_upper(rng, head, 0.1)
    rest = _choice(rng, [_word(rng) + random_path(rng), "//" + random_netloc(rng) + random_path(rng),
                         random_path(rng) or "/", random_port(rng)[1:] + random_path(rng), ""])
    return head + ":" + rest + _tail(rng, 0.25, 0.1)


def leading_space_url(rng: random.Random) -> str:
    """Any C0 control character or space before a URL is stripped, however many ('\\x16\\x02http://a/' is
    http); after the start they are kept (JSON escapes them: '\\u0016'), except tab, CR and LF, which go."""
    url = random_url(rng)
    if rng.random() < 0.4:
        cut = rng.randint(0, len(url))
        url = url[:cut] + _choice(rng, C0_CONTROL_OR_SPACE) + url[cut:]
    lead = "".join(_choice(rng, C0_CONTROL_OR_SPACE) for _ in range(rng.randint(1, 4)))
    trail_roll = rng.random()
    if trail_roll < 0.35:  # kept at the end, each one escaped
        trail = "".join(_choice(rng, C0_CONTROL_OR_SPACE) for _ in range(rng.randint(1, 2)))
    elif trail_roll < 0.55:  # a run of one character: the output repeats its escape as many times
        trail = _choice(rng, C0_CONTROL_OR_SPACE) * rng.randint(2, 4)
    else:
        trail = ""
    return lead + url + trail


def schemeless_url(rng: random.Random) -> str:
    """Text before the first ':' made only of scheme characters, starting with a letter, is the scheme
    ('example.com:8080/x', 'Rtsp:/'); a digit first ('1.2.3.4:80/x') or another character leaves it path."""
    roll = rng.random()
    if roll < 0.5:
        head = _maybe_upper(rng, random_domain(rng), 0.1)
    elif roll < 0.65:
        head = random_ipv4(rng)
    elif roll < 0.85:
        head = _maybe_upper(rng, _choice(rng, OTHER_SCHEMES + SCHEME_TYPOS + ["http", "https"]), 0.3)
    else:
        head = _random_token(rng, ALPHANUMERIC + "+-._", 1, 30)
    tail_roll = rng.random()
    if tail_roll < 0.45:
        rest = random_port(rng) + random_path(rng)
    elif tail_roll < 0.6:
        rest = ":" + _choice(rng, ["", "/", "//", "///"]) + random_path(rng).lstrip("/")
    elif tail_roll < 0.75:
        rest = ":"
    else:
        rest = random_path(rng)
    return head + rest + _tail(rng, 0.2, 0.05)


def question_mark_url(rng: random.Random) -> str:
    """More '?' and '#' after the first ones: only the first '?' starts the query, the first '#' the fragment."""
    base = web_url(rng).split("?")[0].split("#")[0]
    query = random_query(rng)
    cut = rng.randint(0, len(query))
    tail = "?" + query[:cut] + _choice(rng, ["?", "??", "?#", "#?", "/?", "?" + web_url(rng)]) + query[cut:]
    if rng.random() < 0.3:
        tail += "#" + random_fragment(rng) + _choice(rng, ["?", "#", "?x=1", ""])
    return base + tail


def escaped_character_url(rng: random.Random) -> str:
    """Quotes and backslashes, which the JSON target escapes (\\ and \\"), placed anywhere."""
    url = random_url(rng)
    for _ in range(rng.randint(1, 2)):
        position = rng.randint(0, len(url))
        url = url[:position] + _choice(rng, ['"', "\\", "'", '\\\\', '""']) + url[position:]
    return url


def scheme_separator_url(rng: random.Random) -> str:
    """What stands around the scheme decides the first three fields: 'http:///x' has an empty netloc and
    the path '/x'; 'https::///x' the path ':///x'; a leading space is stripped ('  HTTP://a' is an http
    URL), a leading quote is not (the whole text is path); 'Chrome-Extension://' and 'X.Y+Z://' are
    schemes, lower-cased."""
    roll = rng.random()
    if roll < 0.4:
        scheme = _choice(rng, ["http", "https", "http", "https", "ftp", "file"] + SCHEME_TYPOS)
    elif roll < 0.7:
        scheme = _choice(rng, OTHER_SCHEMES)
    else:  # a made-up scheme: letters, then letters, digits, '+', '-', '.'
        scheme = _random_token(rng, LETTERS, 1, 3) + _random_token(rng, ALPHANUMERIC + "+-.", 0, 22)
    scheme = _maybe_upper(rng, scheme, 0.25)
    separator = _choice(rng, ["://", ":///", "::///", ":////", "::", ":/", ":", "://", ":///"])
    url = scheme + separator + random_netloc(rng) + random_path(rng) + _tail(rng, 0.25, 0.1)
    prefix_roll = rng.random()
    if prefix_roll < 0.25:
        url = _choice(rng, [" ", "  ", "\u3000", "\x0c", " \x0b"]) + url  # C0 and space are stripped, U+3000 is not
    elif prefix_roll < 0.4:
        url = _choice(rng, ['"', "'", "<", "(", "[", "`"]) + url
    return url


def _ipv6_tokens(rng: random.Random) -> list[str]:
    """The groups of a valid IPv6 address in short form: 2 to 7 tokens of 1 to 4 hex digits, one of
    them empty where '::' stands ('c834:482::', '::f35d', '937::f35d')."""
    tokens = [_random_token(rng, HEX, 1, 4) for _ in range(rng.randint(1, 6))]
    tokens.insert(rng.randint(0, len(tokens)), "")
    return tokens


def _joined_ipv6(tokens: list[str]) -> str:
    text = ":".join(tokens)
    return ":" + text if text.startswith(":") else text + ":" if text.endswith(":") else text


def bracketed_host_url(rng: random.Random) -> str:
    """A bracketed host that urlparse accepts (about 3 in 5) or rejects, decided by every character in
    the brackets: the addresses the natural mix draws ('[::1]', eight groups, '[::ffff:1.2.3.4]'),
    short forms ('[c834:482::]', '[::f35d]') and IPvFuture ('[v1f.x:y]'), and near misses one edit
    away from them: a letter past 'f' in one group ('[c8z4::1]'), a word or a year for a group
    ('[bin::2025]'), a ninth group or a second '::', an IPv4 address alone ('[1.2.3.4]', where
    '[::ffff:1.2.3.4]' is valid), a 'v' with no hex digits and dot after it
    ('[video]', '[v3::x]'); under any scheme and behind any netloc ('mailto://[4ca9::c37f]/x')."""
    def address() -> str:  # a valid one, without brackets
        return random_ipv6(rng)[1:-1] if rng.random() < 0.5 else _joined_ipv6(_ipv6_tokens(rng))
    roll = rng.random()
    if roll < 0.55:  # accepted: an address as the natural mix draws it, or in short form
        inner = address()
    elif roll < 0.6:  # accepted: IPvFuture, 'v', hex digits, '.', then anything unreserved or ':'
        inner = "v" + _random_token(rng, HEX + HEX.upper(), 1, 3) + "." + _random_token(rng, ALPHANUMERIC + ":-._~", 1, 12)
    elif roll < 0.75:  # one character of a valid address turned into a letter past 'f'
        inner = address()
        positions = [index for index, character in enumerate(inner) if character in HEX + HEX.upper()] or [0]
        cut = _choice(rng, positions)
        inner = inner[:cut] + _choice(rng, "ghijklmnopqrstuvwxyz") + inner[cut + 1:]
    elif roll < 0.85:  # a word or a year in place of one group: 'bin::2025', 'es::games'
        tokens = _ipv6_tokens(rng)
        index = _choice(rng, [index for index, token in enumerate(tokens) if token])
        tokens[index] = _choice(rng, [_word(rng)[:rng.randint(2, 8)], _random_token(rng, LETTERS, 2, 4),
                                      _random_token(rng, HEX, 5, 6), str(rng.randint(1990, 2030)) + "x"])
        inner = _joined_ipv6(tokens)
    elif roll < 0.93:  # 'v' not followed by hex digits and a dot: '[video]', '[vpn::2022]', '[v3::inarus]', '[v1f]'
        inner = "v" + _choice(rng, [_word(rng), _random_token(rng, LETTERS, 1, 6), _random_token(rng, HEX, 1, 3),
                                    _random_token(rng, HEX, 1, 2) + "::" + _word(rng), "." + _word(rng)])
    else:  # one group too many, a second '::', or an IPv4 address without the '::ffff:' before it
        groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(9)]
        inner = _choice(rng, [":".join(groups), _joined_ipv6(_ipv6_tokens(rng)) + "::" + groups[0], random_ipv4(rng)])
    host = "[" + _maybe_upper(rng, inner, 0.1) + "]"
    prefix = _choice(rng, [_prefix_with_netloc(rng), _prefix_with_netloc(rng), _choice(rng, OTHER_SCHEMES) + "://"])
    return prefix + _netloc_around(rng, host) + random_path(rng) + _tail(rng, 0.2, 0.05)


HARD_KINDS: list[Callable[[random.Random], str]] = [
    semicolon_url, schemeless_url, question_mark_url, escaped_character_url, scheme_separator_url,
    rejected_url, control_character_url, invalid_scheme_url, leading_space_url, bracketed_host_url]
HARD_KIND_WEIGHTS = [0.27, 0.17, 0.09, 0.07, 0.10, 0.10, 0.05, 0.06, 0.09, 0.10]  # leading_space_url 0.06 -> 0.09: the
# JSON escape of each kept control character ('\x16' -> '\u0016') is its own thing to learn, 30-odd of them;
# bracketed_host_url 0.10: whether urlparse accepts a bracketed host hangs on every character inside it


def hard_url(rng: random.Random, max_bytes: int = 256) -> str:
    """One URL of at most ``max_bytes`` UTF-8 bytes built around a rare rule (see HARD_KINDS)."""
    while True:
        url = rng.choices(HARD_KINDS, weights=HARD_KIND_WEIGHTS)[0](rng)
        if url and len(url.encode("utf-8")) <= max_bytes:
            return url


class UrlGenerator:
    """Reproducible stream of URLs: ``UrlGenerator(seed=1).batch(3)`` always gives the same three."""

    def __init__(self, seed: int | None = None, max_bytes: int = 256):
        self.rng = random.Random(seed)
        self.max_bytes = max_bytes

    def __call__(self) -> str:
        return random_url(self.rng, self.max_bytes)

    def batch(self, size: int) -> list[str]:
        return [self() for _ in range(size)]
