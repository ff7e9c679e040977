"""Intelligence from the field (业务执行部提供的信息) and other-channel clients."""
