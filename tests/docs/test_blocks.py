"""The docs test's reading of Markdown: fences, languages and markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.blocks import blocks

SAMPLE = """# Title

```bash
echo one
```

<!-- docs-test: skip — stands for your own host -->
```sh
ssh qstation.example.org
```

<!-- docs-test: auth -->
```python
print("auth")
```

```console
$ qstation qc list \\
    --qc lattice-20
ALIAS  NAME
$ echo two
two
```

    ```json
    {"indented": true}
    ```

```
a diagram
```
"""


def test_blocks_languages_markers_and_console_commands(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(SAMPLE)
    found = blocks(doc)
    assert [b.lang for b in found] == ["bash", "sh", "python", "console", "json", ""]
    assert [b.line for b in found][:2] == [3, 8]
    assert found[1].skip == "stands for your own host" and found[0].skip is None
    assert found[2].auth and not found[1].auth
    assert found[3].commands() == "qstation qc list \\\n    --qc lattice-20\necho two\n"
    assert found[4].text == '{"indented": true}\n'


@pytest.mark.parametrize(
    "text",
    [
        "<!-- docs-test: skip -->\n```sh\nx\n```\n",  # a skip must say why
        "<!-- docs-test: skip — why -->\n\n```sh\nx\n```\n",  # not directly above
        "<!-- docs-test: maybe -->\n```sh\nx\n```\n",  # unknown marker
        "```sh\nnever closed\n",
    ],
)
def test_bad_markers_and_open_fences_fail(tmp_path: Path, text: str) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(text)
    with pytest.raises(ValueError):
        blocks(doc)
