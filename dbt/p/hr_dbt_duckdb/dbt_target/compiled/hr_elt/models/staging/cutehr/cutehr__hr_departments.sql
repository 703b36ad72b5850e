select
    'cutehr:' || cast(department_id as TEXT) as department_key,
    cast('cutehr' as TEXT) as provider,
    cast(null as TEXT) as tenant,
    cast(department_id as TEXT) as source_id,
    name,
    cast(null as TEXT) as parent_department_key,
    case when head_id is not null then 'cutehr:' || cast(head_id as TEXT) end as head_person_key,
    cast(null as TEXT) as cost_center,
    cast(null as timestamp with time zone) as source_updated_at
from "w"."hr_unified_staging"."stg_cutehr__departments"