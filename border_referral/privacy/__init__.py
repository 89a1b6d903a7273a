"""The privacy duties of a controller (issue 14): the data subject's access report, the report of a
user's reads for a breach response, and erasure of closed cases at the end of the retention period
of the centre's jurisdiction profile (`flask retention apply`)."""
