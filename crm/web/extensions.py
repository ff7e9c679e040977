"""Flask extensions, created unbound; create_app binds them."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = Api()
