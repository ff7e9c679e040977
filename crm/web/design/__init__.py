"""Design requests (设计需求): executors ask, the design department delivers proposals."""
