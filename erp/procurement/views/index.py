"""/procurement/: the module's index page — its home-page tiles and its menu."""
from flask_login import login_required

from erp.core.home import module_home
from erp.procurement.views import bp


@bp.get("/")
@login_required
def index():
    return module_home("procurement")
