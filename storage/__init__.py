"""S3-compatible object storage (rclone locally, MinIO or AWS S3 in production) via boto3."""
