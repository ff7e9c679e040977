"""The telesales work queue: my queue, "next call" and the claimed call card."""
