"""Data in and out, with no analysis: frame sources (camera, video file, image folder), the H.264
video writer and the annotated-video sink, flushed JSON Lines logs, CSV and JSON outputs, landmark
recordings, and where output folders go."""
