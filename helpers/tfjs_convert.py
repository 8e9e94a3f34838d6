"""Run by the TensorFlow.js bridge Python (tools/setup_web.sh), not imported by the helpers package.

    .venv/tfjs/bin/python helpers/tfjs_convert.py SAVED_MODEL OUT_DIRECTORY SIGNATURE

tensorflowjs 4.22 is installed there with --no-deps next to this project's TensorFlow (its own
requirements would pull an older TensorFlow). Two of its imports serve model kinds this project
never converts, so they are replaced by empty modules before the converter is imported:
tensorflow_decision_forests (decision-forest ops) and tensorflowjs.converters.jax_conversion (JAX).
Control flow v2 is kept (the default): the decoder's while loops need it in tfjs.
"""

import sys
import types


def main(arguments: list[str]) -> int:
    if len(arguments) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    saved_model, out, signature = arguments
    for name in ("tensorflow_decision_forests", "tensorflowjs.converters.jax_conversion"):
        stub = types.ModuleType(name)
        stub.convert_jax = None  # the name tensorflowjs.converters imports from jax_conversion
        sys.modules[name] = stub
    from tensorflowjs.converters import tf_saved_model_conversion_v2

    tf_saved_model_conversion_v2.convert_tf_saved_model(
        saved_model, out, signature_def=signature, saved_model_tags="serve", control_flow_v2=True,
        use_structured_outputs_names=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
