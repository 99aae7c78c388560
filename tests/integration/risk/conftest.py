from tests.integration.payment.fixtures import bank, channels, investor, post_callback

__all__ = ["bank", "channels", "investor", "post_callback"]
