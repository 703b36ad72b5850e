
    
    

select
    department_key as unique_field,
    count(*) as n_records

from "w"."hr_unified"."hr_departments"
where department_key is not null
group by department_key
having count(*) > 1


