"""The Python snippets of README.md's "Odoo clients" section, run as written against the real binary
(only the address, the login and the password are put in), so the README cannot drift from what works.

Usage: python readme_snippets.py <README.md> <base-url> <login> <password>  (run by odoo_clients.sh)
"""

import contextlib
import io
import re
import sys
from urllib.parse import urlsplit

import harness
from harness import check, step

readme, url, login, password = harness.arguments("readme_snippets.py <README.md> <base-url> <login> <password>", 4)
harness.secrets.append(password)
harness.label = "README"
port = str(urlsplit(url).port)

text = open(readme, encoding="utf-8").read()
section = re.search(r"^## Odoo clients\n(.*?)(?=^## )", text, re.S | re.M)
check(section, "README.md has no '## Odoo clients' section")
snippets = re.findall(r"```python\n(.*?)```", section.group(1), re.S)
check(len(snippets) >= 3, f"the section holds {len(snippets)} Python snippets, not 3")


def run(code):
    def execute():
        code_here = (code.replace("http://127.0.0.1:8069", url).replace("port=8069", f"port={port}")
                     .replace('"jane"', repr(login)).replace('"..."', repr(password)))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code_here, "README.md", "exec"), {})
        check(printed.getvalue().strip(), "the snippet printed nothing")
        return printed.getvalue().strip().replace("\n", " | ")
    return execute


for snippet in snippets:
    step(snippet.splitlines()[0].lstrip("# "), run(snippet))
