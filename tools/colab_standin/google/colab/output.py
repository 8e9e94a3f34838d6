"""``google.colab.output`` for the rehearsal: ``serve_kernel_port_as_iframe`` shows a port of the
kernel's machine in an iframe, as Colab does through its proxy (here the port itself, on 127.0.0.1),
and records each call in ``served``."""

served: list[dict] = []  # what the rehearsal's tests read: one entry per call


def serve_kernel_port_as_iframe(port, path="/", width="100%", height="400", cache_in_notebook=False):
    from IPython.display import display

    served.append({"port": int(port), "path": path, "width": width, "height": height})
    frame = f'<iframe src="http://127.0.0.1:{port}{path}" width="{width}" height="{height}" frameborder="0"></iframe>'
    display({"text/html": frame, "text/plain": f"port {port}{path} of the kernel, in an iframe"}, raw=True)
