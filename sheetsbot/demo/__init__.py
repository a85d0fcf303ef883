"""The bundled demo store "Lumen Home": generated Amazon exports and their ground truth.

`sheetsbot.demo.generate` writes `exports/` and `truth.json` next to this file.
"""
