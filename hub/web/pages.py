"""The few HTML pages the hub serves itself: login, consent, and an error page. No scripts, no CDN."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from federation.identity.policy import SCOPE_MEANINGS, Scope

STYLE = (  # its hash is in the Content-Security-Policy (hub.web.security_headers): edit freely
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#a00}.muted{color:#666;font-size:.9rem}"
    "li{margin:.6rem 0}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{STYLE}</style></head>'
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"  # main: a landmark to skip to
    )


def login_page(next_url: str, csrf: str, error: str | None = None, upstream_name: str | None = None) -> str:
    notice = f'<p class="error">{escape(error)}</p>' if error else ""
    upstream = (
        f'<p class="muted">or <a href="/login/upstream?next={quote(next_url, safe="")}">'
        f"log in with {escape(upstream_name)}</a></p>"
        if upstream_name
        else ""
    )
    return _page(
        "Masuk / Log in",
        f"{notice}<form method=post action=/login>"
        f'<input type=hidden name=next value="{escape(next_url)}">'
        f'<input type=hidden name=csrf value="{csrf}">'
        "<label for=email>Email</label><input id=email name=email type=email required autofocus>"
        "<label for=password>Kata sandi / Password</label>"
        "<input id=password name=password type=password required>"
        f"<button type=submit>Masuk</button></form>{upstream}",
    )


def scope_item(scope: str) -> str:
    """One requested scope in words: what it allows, in Indonesian, then in English below."""
    try:
        indonesian, english = SCOPE_MEANINGS[Scope(scope)]
    except ValueError:  # not one of ours: say its name, nothing more is known of it
        return f"<li><code>{escape(scope)}</code></li>"
    return (
        f'<li><span lang="id">{escape(indonesian)}</span><br>'
        f'<span lang="en" class=muted>{escape(english)}</span> <code>{escape(scope)}</code></li>'
    )


def consent_page(client_name: str, scopes: list[str], fields: dict[str, str], csrf: str) -> str:
    """What ``client_name`` asks to do in the person's name, scope by scope, and the two answers."""
    hidden = "".join(f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())
    items = "".join(scope_item(s) for s in scopes)
    name = escape(client_name)
    return _page(
        "Izin akses / Allow access",
        f"<p><b>{name}</b> meminta izin untuk:<br>"
        f'<span lang="en" class=muted><b>{name}</b> asks to be allowed to:</span></p><ul>{items}</ul>'
        f"<form method=post action=/oauth/authorize>{hidden}"
        f'<input type=hidden name=csrf value="{escape(csrf)}">'
        "<button name=decision value=allow>Izinkan / Allow</button> "
        "<button name=decision value=deny>Tolak / Deny</button></form>",
    )


def error_page(title: str, detail: str) -> str:
    return _page(title, f'<p class="error">{escape(detail)}</p>')
