"""Build the web page in web/: export a model and copy it to web/model/, TensorFlow.js to web/vendor/.

    python tools/build_web.py [--model DIR]     default: models/urlparse (the shipped model)
    python -m http.server -d web -b 127.0.0.1   then open http://127.0.0.1:8000/?q=http://a.com/

Needs tools/setup_web.sh (npm packages, the converter bridge).
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.export import export  # noqa: E402
from helpers.web import WEB_SOURCE, build_site  # noqa: E402

SHIPPED_MODEL = ROOT / "models" / "urlparse"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(SHIPPED_MODEL), help="a trained model directory")
    arguments = parser.parse_args()
    if not Path(arguments.model).is_dir():
        print(f"error: model directory {arguments.model} does not exist (train one, or pass --model)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as out:
        written = export(arguments.model, out)
        build_site(written["tfjs"], WEB_SOURCE)
    print(f"built {WEB_SOURCE} from {arguments.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
