"""Gallery order: the quickstart first, then the other examples by file name."""

FIRST = "plot_quickstart.py"


class QuickstartFirst:
    """A sphinx-gallery ``within_subsection_order`` key (called with the
    gallery's source folder, then with each file name)."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (filename != FIRST, filename)

    def __repr__(self):  # stable, so Sphinx's environment is not rebuilt
        return f"<{type(self).__name__}>"
