"""Case files: a centre's encrypted file on a person, its notes and attachments."""
