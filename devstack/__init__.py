"""Starting the real processes on free ports, for the tests (tests/) and the measurements
(bench/): the back office, the action server and the Rasa server, each with its own venv's
Python, plus the conversations and action calls both drive them with."""
